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
