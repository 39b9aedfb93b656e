namespace AccountService.Tests.Infrastructure;

/// <summary>Runs a Node program from one of the repository's Node test folders (tests/sdk, tests/browser, tests/contract).</summary>
internal static class NodeScript
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string folder,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        string requiredPackage)
    {
        var directory = Folder(folder, requiredPackage);
        var result = await ProcessRunner.RunAsync("node", arguments, environment, directory, TimeSpan.FromSeconds(120));
        return (result.ExitCode, result.Output);
    }

    /// <summary>tests/<paramref name="folder"/>, failing the test when <c>npm ci</c> has not installed <paramref name="requiredPackage"/> there.</summary>
    public static string Folder(string folder, string requiredPackage)
    {
        var directory = Path.Combine(RepositoryRoot.Path, "tests", folder);
        Assert.True(
            Directory.Exists(Path.Combine(directory, "node_modules", requiredPackage)),
            $"tests/{folder} has no node_modules: run `npm ci` in tests/{folder} (.ci/run does).");
        return directory;
    }
}
