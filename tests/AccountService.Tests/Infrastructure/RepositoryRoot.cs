namespace AccountService.Tests.Infrastructure;

/// <summary>The checkout's top folder, found from the test binaries by its solution file.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "AccountService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"AccountService.sln not found above {AppContext.BaseDirectory}.");
    }
}
