using System.Security.Cryptography;
using System.Text;
using AccountService.Accounts;
using AccountService.ApiKeys;
using AccountService.Billing;
using AccountService.Data;
using AccountService.Operations;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccountService.Tests.Infrastructure;

/// <summary>Base of tests that use the database: every test starts with empty tables.</summary>
[Collection(PostgresTests.Name)]
public abstract class IntegrationTest(PostgresFixture database) : IAsyncLifetime
{
    protected PostgresFixture Database { get; } = database;

    public virtual Task InitializeAsync() => Database.ResetAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    internal AccountDbContext CreateDbContext() => Database.CreateDbContext();

    /// <summary>
    /// Runs SQL as an operator would, on a connection of its own: unpooled, so a test that terminates the database's
    /// backends never gets a dead one back.
    /// </summary>
    internal async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Inserts an account row directly (faster than the CLI where the CLI is not under test).</summary>
    internal async Task SeedAccountAsync(string id, Action<Account>? configure = null)
    {
        var account = new Account { Id = id, Name = $"Name of {id}", Tier = AccountTier.Pro, Status = AccountStatus.Enabled };
        configure?.Invoke(account);
        await using var db = CreateDbContext();
        db.Accounts.Add(account);
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// Inserts an app and its seat for the account (created first when there is none), linked to a Stripe subscription
    /// when one is given, as <c>subscriptions set --stripe-subscription</c> would.
    /// </summary>
    internal async Task SeedSeatAsync(
        string accountId,
        string appId,
        string? stripeSubscriptionId,
        SubscriptionStatus status = SubscriptionStatus.None,
        PlanType plan = PlanType.Monthly)
    {
        await using (var db = CreateDbContext())
        {
            if (!await db.Accounts.AnyAsync(a => a.Id == accountId))
            {
                await SeedAccountAsync(accountId);
            }
        }

        await using var context = CreateDbContext();
        context.Apps.Add(new App
        {
            Id = appId,
            AccountId = accountId,
            Name = $"App {appId}",
            Subscription = new AppSubscription { AppId = appId, PlanType = plan, Status = status, StripeSubscriptionId = stripeSubscriptionId },
        });
        await context.SaveChangesAsync();
    }

    /// <summary>Inserts an API key row as <c>keys create</c> would (SHA-256, no pepper); returns the full key.</summary>
    internal async Task<string> SeedKeyAsync(string accountId, bool revoked = false)
    {
        var (keyId, secret, key) = ApiKeyCredential.Generate();
        await using var db = CreateDbContext();
        db.ApiKeys.Add(new ApiKey
        {
            KeyId = keyId,
            AccountId = accountId,
            Name = "test",
            SecretHash = SHA256.HashData(Encoding.UTF8.GetBytes(secret)),
            RevokedAt = revoked ? DateTimeOffset.UtcNow : null,
        });
        await db.SaveChangesAsync();
        return key;
    }

    /// <summary>Runs an operator command in process against the test database, as the binary would.</summary>
    internal Task<CliResult> RunCliAsync(params string[] args) => RunCliOnAsync(Database.ConnectionString, args);

    /// <summary>As <see cref="RunCliAsync(string[])"/>, with more settings (e.g. Stripe's).</summary>
    internal Task<CliResult> RunCliWithAsync(IReadOnlyDictionary<string, string?> settings, params string[] args) =>
        RunCliOnAsync(Database.ConnectionString, args, settings);

    internal static Task<CliResult> RunCliOnAsync(string connectionString, params string[] args) =>
        RunCliOnAsync(connectionString, args, settings: null);

    private static async Task<CliResult> RunCliOnAsync(string connectionString, string[] args, IReadOnlyDictionary<string, string?>? settings)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            [DatabaseOptions.ConfigurationKey] = connectionString,
        };
        var exitCode = await OperatorCommands.RunAsync(args, output, error, configuration);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error);
