using System.Diagnostics;

namespace AccountService.Tests.Infrastructure;

/// <summary>Runs a Node program from one of the repository's Node test folders (tests/sdk, tests/browser).</summary>
internal static class NodeScript
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string folder,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        string requiredPackage)
    {
        var directory = Path.Combine(RepositoryRoot.Path, "tests", folder);
        Assert.True(
            Directory.Exists(Path.Combine(directory, "node_modules", requiredPackage)),
            $"tests/{folder} has no node_modules: run `npm ci` in tests/{folder} (.ci/run does).");
        var start = new ProcessStartInfo("node", arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {string.Join(' ', arguments)} did not finish in 120 s: {await stdout}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
