using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Tests.Operations;

public sealed class BenchSeedTests(PostgresFixture database, SharedApi api)
    : IntegrationTest(database), IClassFixture<SharedApi>
{
    private readonly string _directory = Directory.CreateTempSubdirectory("seed-bench-").FullName;

    private string KeysFile => Path.Combine(_directory, "keys.txt");

    public override Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return base.DisposeAsync();
    }

    [Fact]
    public async Task CreatesEachAccountWithTwoSeatedAppsAndOneKey()
    {
        var result = await RunCliAsync("seed-bench", "--accounts", "25", "--keys-out", KeysFile);

        Assert.Equal((0, ""), (result.ExitCode, result.Error));
        await using var db = CreateDbContext();
        Assert.Equal(25, await db.Accounts.CountAsync(a => a.StripeCustomerId!.StartsWith("cus_bench")));
        Assert.Equal(50, await db.Apps.CountAsync());
        Assert.Equal(50, await db.AppSubscriptions.CountAsync());
        Assert.Equal(25, await db.ApiKeys.CountAsync(k => k.RevokedAt == null));
        Assert.Equal(0, await db.Accounts.CountAsync(a => a.Apps.Count != 2 || a.Apps.Any(app => app.Subscription == null)));
        Assert.Equal(0, await db.Accounts.CountAsync(a => db.ApiKeys.Count(k => k.AccountId == a.Id) != 1));
    }

    [Fact]
    public async Task WritesOneKeyPerLineWhoseRowHoldsTheSecretsHash()
    {
        var result = await RunCliAsync("seed-bench", "--accounts", "25", "--keys-out", KeysFile);

        Assert.Equal(0, result.ExitCode);
        var keys = await File.ReadAllLinesAsync(KeysFile);
        Assert.Equal(25, keys.Length);
        Assert.All(keys, key => Assert.Matches("^ok_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}$", key));
        await using var db = CreateDbContext();
        var rows = await db.ApiKeys.ToDictionaryAsync(k => k.KeyId, k => k.SecretHash);
        Assert.Equal(keys.Select(k => k[3..11]).Order(), rows.Keys.Order());
        Assert.All(keys, key => Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key[12..])), rows[key[3..11]]));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeysFile));
        }
    }

    [Fact]
    public async Task ASeededKeyAuthenticatesAsItsAccount()
    {
        await RunCliAsync("seed-bench", "--accounts", "3", "--keys-out", KeysFile);
        var key = (await File.ReadAllLinesAsync(KeysFile))[1];

        using var response = await api.Get(Database.ConnectionString).Client
            .SendAsync(AuthenticationTests.Request($"Bearer {key}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        await using var db = CreateDbContext();
        var accountId = await db.ApiKeys.Where(k => k.KeyId == key.Substring(3, 8)).Select(k => k.AccountId).SingleAsync();
        Assert.Equal(accountId, json["id"]!.GetValue<string>());
        Assert.StartsWith("cus_bench", json["stripe_customer_id"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesInBatchesAndEachAccountIsWhole()
    {
        var result = await RunCliAsync("seed-bench", "--accounts", "25", "--batch-size", "10", "--keys-out", KeysFile);

        Assert.Equal((0, ""), (result.ExitCode, result.Error));
        Assert.Equal($"created 25 accounts with 50 apps and 25 API keys in 3 batches; keys written to {KeysFile}\n", result.Output);
        var keys = await File.ReadAllLinesAsync(KeysFile);
        Assert.Equal(25, keys.Distinct().Count());
        await using var db = CreateDbContext();
        Assert.Equal(
            Enumerable.Range(1, 25).Select(n => $"Bench account {n}").Order(),
            (await db.Accounts.Select(a => a.Name).ToListAsync()).Order());
        Assert.Equal(0, await db.Accounts.CountAsync(a => a.Apps.Count != 2 || a.Apps.Any(app => app.Subscription == null)));
        Assert.Equal(keys.Select(k => k[3..11]).Order(), (await db.ApiKeys.Select(k => k.KeyId).ToListAsync()).Order());
    }

    [Fact]
    public async Task AFailedBatchLeavesTheCommittedBatchesWholeAndTheirKeysInTheFile()
    {
        // The second batch (accounts 11–20) breaks a constraint on its fifth account.
        await ExecuteAsync("ALTER TABLE accounts ADD CONSTRAINT bench_seed_test_stop CHECK (name <> 'Bench account 15') NOT VALID");
        CliResult result;
        try
        {
            result = await RunCliAsync("seed-bench", "--accounts", "25", "--batch-size", "10", "--keys-out", KeysFile);
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE accounts DROP CONSTRAINT bench_seed_test_stop");
        }

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(
            $"error: stopped after 10 of 25 accounts (1 of 3 batches committed, keys written to {KeysFile}): ",
            result.Error,
            StringComparison.Ordinal);
        Assert.Contains("bench_seed_test_stop", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
        Assert.Equal(["keys.txt"], Directory.EnumerateFileSystemEntries(_directory).Select(Path.GetFileName));

        var keys = await File.ReadAllLinesAsync(KeysFile);
        await using var db = CreateDbContext();
        Assert.Equal(
            Enumerable.Range(1, 10).Select(n => $"Bench account {n}").Order(),
            (await db.Accounts.Select(a => a.Name).ToListAsync()).Order());
        Assert.Equal((20, 20), (await db.Apps.CountAsync(), await db.AppSubscriptions.CountAsync()));
        Assert.Equal(keys.Select(k => k[3..11]).Order(), (await db.ApiKeys.Select(k => k.KeyId).ToListAsync()).Order());
    }

    [Fact]
    public async Task AFailedFirstBatchWritesNothing()
    {
        await ExecuteAsync("ALTER TABLE accounts ADD CONSTRAINT bench_seed_test_stop CHECK (name <> 'Bench account 5') NOT VALID");
        CliResult result;
        try
        {
            result = await RunCliAsync("seed-bench", "--accounts", "25", "--batch-size", "10", "--keys-out", KeysFile);
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE accounts DROP CONSTRAINT bench_seed_test_stop");
        }

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: database error: ", result.Error, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1000001")]
    public async Task ABatchSizeOutOfRangeIsAUsageErrorAndWritesNothing(string size)
    {
        var result = await RunCliAsync("seed-bench", "--accounts", "5", $"--batch-size={size}", "--keys-out", KeysFile);

        Assert.Equal((2, "error: --batch-size: must be between 1 and 1,000,000"), (result.ExitCode, result.Error.TrimEnd('\n')));
        await AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1000001")]
    public async Task AnAccountCountOutOfRangeIsAUsageErrorAndWritesNothing(string count)
    {
        var result = await RunCliAsync("seed-bench", $"--accounts={count}", "--keys-out", KeysFile);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --accounts: must be between 1 and 1,000,000", result.Error.TrimEnd('\n'));
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task AnUnwritableKeysFileFailsAndWritesNothing()
    {
        // Root may write anywhere, so the path is made impossible rather than forbidden: its parent is a file.
        var blocker = Path.Combine(_directory, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "");

        var result = await RunCliAsync("seed-bench", "--accounts", "5", "--keys-out", Path.Combine(blocker, "keys.txt"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: cannot write keys file {blocker}/keys.txt", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task AKeysFilePathThatIsADirectoryFailsAndWritesNothing()
    {
        var result = await RunCliAsync("seed-bench", "--accounts", "5", "--keys-out", _directory);

        Assert.Equal((1, $"error: cannot write keys file {_directory}: it is a directory"), (result.ExitCode, result.Error.TrimEnd('\n')));
        await AssertNothingWrittenAsync();
    }

    private async Task AssertNothingWrittenAsync()
    {
        // Neither the keys file nor its side file is left behind (only what a test put there itself).
        Assert.All(Directory.EnumerateFileSystemEntries(_directory), f => Assert.Equal("not-a-directory", Path.GetFileName(f)));
        await using var db = CreateDbContext();
        Assert.Equal((0, 0, 0, 0), (await db.Accounts.CountAsync(), await db.Apps.CountAsync(), await db.AppSubscriptions.CountAsync(), await db.ApiKeys.CountAsync()));
    }
}
