using AccountService.Data;
using AccountService.Operations;

namespace AccountService.Tests.Infrastructure;

/// <summary>Base of tests that use the database: every test starts with empty tables.</summary>
[Collection(PostgresTests.Name)]
public abstract class IntegrationTest(PostgresFixture database) : IAsyncLifetime
{
    protected PostgresFixture Database { get; } = database;

    public virtual Task InitializeAsync() => Database.ResetAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    internal AccountDbContext CreateDbContext() => Database.CreateDbContext();

    /// <summary>Runs an operator command in process against the test database, as the binary would.</summary>
    internal Task<CliResult> RunCliAsync(params string[] args) => RunCliOnAsync(Database.ConnectionString, args);

    internal static async Task<CliResult> RunCliOnAsync(string connectionString, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await OperatorCommands.RunAsync(
            args,
            output,
            error,
            new Dictionary<string, string?> { [DatabaseOptions.ConfigurationKey] = connectionString });
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error);
