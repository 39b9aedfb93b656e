using System.Text.RegularExpressions;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Architecture;

/// <summary>
/// The service's folders (each a namespace that owns its data and its rules) depend on each other in one direction
/// only: no folder reaches back, by a <c>using</c> or a qualified name, to a folder that depends on it. <c>Data</c> is
/// the exception: its one DbContext maps every folder's entities, and every folder reads through it.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private static readonly string Source = Path.Combine(RepositoryRoot.Path, "src", "AccountService");

    [Fact]
    public void NoFolderDependsOnAFolderThatDependsOnIt()
    {
        var folders = Directory.GetDirectories(Source)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name is not ("Data" or "bin" or "obj"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("Callers", folders);

        var edges = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            edges[folder] = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Source, folder), "*.cs", SearchOption.AllDirectories))
            {
                foreach (var used in Reference().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value).Distinct())
                {
                    if (used != folder && folders.Contains(used))
                    {
                        (edges[folder].TryGetValue(used, out var files) ? files : edges[folder][used] = []).Add(Path.GetFileName(file));
                    }
                }
            }
        }

        var cycles = Cycles(edges.ToDictionary(e => e.Key, e => (IReadOnlyCollection<string>)e.Value.Keys, StringComparer.Ordinal));
        var report = cycles.Select(cycle => string.Join("; ", cycle.SelectMany(from => cycle
            .Where(to => edges[from].ContainsKey(to))
            .Select(to => $"{from} -> {to} ({string.Join(", ", edges[from][to].Order(StringComparer.Ordinal))})"))));
        Assert.True(cycles.Count == 0, "folders that depend on each other:\n" + string.Join('\n', report));
    }

    [Fact]
    public void TheCheckFindsACycleThroughSeveralFolders()
    {
        var graph = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal)
        {
            ["Auth"] = ["Callers"],
            ["Callers"] = ["Accounts"],
            ["Accounts"] = ["Auth", "Errors"],
            ["Errors"] = [],
        };

        var cycle = Assert.Single(Cycles(graph));
        Assert.Equal(["Accounts", "Auth", "Callers"], cycle.Order(StringComparer.Ordinal));
        Assert.Empty(Cycles(new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal) { ["Auth"] = ["Callers"], ["Callers"] = [] }));
    }

    /// <summary>The groups of two or more folders that all reach each other (strongly connected components).</summary>
    private static List<List<string>> Cycles(IReadOnlyDictionary<string, IReadOnlyCollection<string>> graph)
    {
        var reaches = graph.Keys.ToDictionary(folder => folder, folder => Reachable(graph, folder), StringComparer.Ordinal);
        return graph.Keys
            .Select(folder => graph.Keys.Where(other => reaches[folder].Contains(other) && reaches[other].Contains(folder)).Order(StringComparer.Ordinal).ToList())
            .Where(group => group.Count > 1)
            .DistinctBy(group => string.Join(',', group))
            .ToList();
    }

    private static HashSet<string> Reachable(IReadOnlyDictionary<string, IReadOnlyCollection<string>> graph, string start)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var next = new Stack<string>([start]);
        while (next.TryPop(out var folder))
        {
            foreach (var to in graph.GetValueOrDefault(folder) ?? [])
            {
                if (seen.Add(to))
                {
                    next.Push(to);
                }
            }
        }

        return seen;
    }

    // AccountService.<Folder> in a using directive or a qualified name.
    [GeneratedRegex(@"\bAccountService\.([A-Z][A-Za-z]+)\b")]
    private static partial Regex Reference();
}
