using System.Globalization;
using Npgsql;

namespace AccountService.Tests.Infrastructure;

/// <summary>Runs <c>pg_dump</c> against the test database, as an operator taking a backup would.</summary>
internal static class PgDump
{
    /// <summary>Every row of every table, as <c>pg_dump --data-only</c> writes it.</summary>
    public static async Task<string> DataOnlyAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString);
        var result = await ProcessRunner.RunAsync(
            Binary(),
            [
                "--data-only",
                "--host", database.Host!,
                "--port", database.Port.ToString(CultureInfo.InvariantCulture),
                "--username", database.Username!,
                "--dbname", database.Database!,
            ],
            new Dictionary<string, string> { ["PGPASSWORD"] = database.Password ?? "" },
            timeout: TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"pg_dump failed ({result.ExitCode}): {result.Stderr}");
        return result.Stdout;
    }

    // The newest server's own client when the PostgreSQL server packages are installed (a dump needs a pg_dump at
    // least as new as the server), else the one on PATH.
    private static string Binary() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin", "pg_dump"))
                .Where(File.Exists)
                .OrderByDescending(p => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var major) ? major : 0)
                .FirstOrDefault() ?? "pg_dump"
            : "pg_dump";
}
