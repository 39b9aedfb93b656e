using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccountService.Tests.Operations;

public sealed class KeyCommandTests(PostgresFixture database) : IntegrationTest(database)
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Assert.Equal(0, (await RunCliAsync("accounts", "create", "--id", "acc_1", "--name", "One")).ExitCode);
    }

    [Fact]
    public async Task CreatePrintsTheKeyOnceAndStoresOnlyItsHash()
    {
        var result = await RunCliAsync("keys", "create", "--account", "acc_1", "--name", "ci");

        Assert.Equal(0, result.ExitCode);
        var (keyId, key) = ParseKey(result.Output);
        Assert.Matches("^ok_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}$", key);
        Assert.Equal(key[3..11], keyId);
        var secret = key[12..];
        await using var db = CreateDbContext();
        var row = await db.ApiKeys.SingleAsync();
        Assert.Equal((keyId, "acc_1", "ci"), (row.KeyId, row.AccountId, row.Name));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), row.SecretHash);
        Assert.DoesNotContain(secret, await DumpApiKeysTableAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAPepperTheHashIsHmacSha256()
    {
        var pepper = RandomNumberGenerator.GetBytes(32);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await AccountService.Operations.OperatorCommands.RunAsync(
            ["keys", "create", "--account", "acc_1", "--name", "peppered"],
            output,
            error,
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:Accounts"] = Database.ConnectionString,
                ["Auth:ApiKeys:Pepper"] = Convert.ToBase64String(pepper),
            });

        Assert.Equal(0, exitCode);
        var secret = ParseKey(output.ToString()).Key[12..];
        await using var db = CreateDbContext();
        Assert.Equal(HMACSHA256.HashData(pepper, Encoding.UTF8.GetBytes(secret)), (await db.ApiKeys.SingleAsync()).SecretHash);
    }

    [Fact]
    public async Task AnInvalidPepperStopsTheCommandNamingTheSetting()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await AccountService.Operations.OperatorCommands.RunAsync(
            ["keys", "create", "--account", "acc_1", "--name", "x"],
            output,
            error,
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:Accounts"] = Database.ConnectionString,
                ["Auth:ApiKeys:Pepper"] = "c2hvcnQ=",
            });

        Assert.Equal(1, exitCode);
        Assert.Contains("Auth:ApiKeys:Pepper", error.ToString(), StringComparison.Ordinal);
        await using var db = CreateDbContext();
        Assert.Equal(0, await db.ApiKeys.CountAsync());
    }

    [Fact]
    public async Task TheEleventhActiveKeyIsRefusedAndNothingIsWritten()
    {
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(0, (await RunCliAsync("keys", "create", "--account", "acc_1", "--name", $"k{i}")).ExitCode);
        }

        var result = await RunCliAsync("keys", "create", "--account", "acc_1", "--name", "k10");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: API_KEY_LIMIT_REACHED:", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
        await using var db = CreateDbContext();
        Assert.Equal(10, await db.ApiKeys.CountAsync());
    }

    [Fact]
    public async Task RevokingAKeyFreesASlot()
    {
        var keyIds = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            keyIds.Add(ParseKey((await RunCliAsync("keys", "create", "--account", "acc_1", "--name", $"k{i}")).Output).KeyId);
        }

        var revoke = await RunCliAsync("keys", "revoke", "--key-id", keyIds[3]);
        var created = await RunCliAsync("keys", "create", "--account", "acc_1", "--name", "replacement");

        Assert.Equal(0, revoke.ExitCode);
        Assert.Equal(0, created.ExitCode);
        await using var db = CreateDbContext();
        Assert.Equal(10, await db.ApiKeys.CountAsync(k => k.RevokedAt == null));
        Assert.NotNull((await db.ApiKeys.SingleAsync(k => k.KeyId == keyIds[3])).RevokedAt);
    }

    [Fact]
    public async Task RevokeIsIdempotentAndKeepsTheFirstTimestamp()
    {
        var keyId = ParseKey((await RunCliAsync("keys", "create", "--account", "acc_1", "--name", "k")).Output).KeyId;
        await RunCliAsync("keys", "revoke", "--key-id", keyId);
        await using var before = CreateDbContext();
        var firstRevokedAt = (await before.ApiKeys.SingleAsync()).RevokedAt;

        var again = await RunCliAsync("keys", "revoke", "--key-id", keyId);

        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already revoked", again.Output, StringComparison.Ordinal);
        await using var after = CreateDbContext();
        Assert.Equal(firstRevokedAt, (await after.ApiKeys.SingleAsync()).RevokedAt);
    }

    [Theory]
    [InlineData("Zz9Zz9Zz")]
    [InlineData("not-a-key-id")]
    public async Task RevokeOfAnUnknownKeyFails(string keyId)
    {
        var result = await RunCliAsync("keys", "revoke", "--key-id", keyId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: key {keyId} not found", result.Error.Trim());
    }

    [Fact]
    public async Task ListShowsKeysButNeverSecretsOrHashes()
    {
        var key = ParseKey((await RunCliAsync("keys", "create", "--account", "acc_1", "--name", "listed")).Output);
        await RunCliAsync("keys", "revoke", "--key-id", key.KeyId);

        var result = await RunCliAsync("keys", "list", "--account", "acc_1", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain(key.Key[12..], result.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(result.Output);
        var item = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(["keyId", "name", "createdAt", "lastUsedAt", "revokedAt"], item.EnumerateObject().Select(p => p.Name));
        Assert.Equal(key.KeyId, item.GetProperty("keyId").GetString());
        Assert.Equal(JsonValueKind.String, item.GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task KeysForAMissingAccountFail()
    {
        var create = await RunCliAsync("keys", "create", "--account", "acc_missing", "--name", "k");
        var list = await RunCliAsync("keys", "list", "--account", "acc_missing");

        Assert.Equal((1, "error: account acc_missing not found"), (create.ExitCode, create.Error.Trim()));
        Assert.Equal((1, "error: account acc_missing not found"), (list.ExitCode, list.Error.Trim()));
        await using var db = CreateDbContext();
        Assert.Equal(0, await db.ApiKeys.CountAsync());
    }

    [Theory]
    [InlineData("DISABLED_BY_ADMIN")]
    [InlineData("DISABLED_QUOTA_REACHED")]
    public async Task ADisabledAccountGetsNoNewKeysFromTheCliEither(string status)
    {
        await ExecuteAsync($"UPDATE accounts SET status = '{status}' WHERE id = 'acc_1'");

        var create = await RunCliAsync("keys", "create", "--account", "acc_1", "--name", "k");

        Assert.Equal(
            (1, $"error: FORBIDDEN: account acc_1 is {status}; API keys cannot be created for it"),
            (create.ExitCode, create.Error.Trim()));
        await using var db = CreateDbContext();
        Assert.Equal(0, await db.ApiKeys.CountAsync());
    }

    internal static (string KeyId, string Key) ParseKey(string output)
    {
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["keyId", "key"], json.RootElement.EnumerateObject().Select(p => p.Name));
        return (json.RootElement.GetProperty("keyId").GetString()!, json.RootElement.GetProperty("key").GetString()!);
    }

    private async Task<string> DumpApiKeysTableAsync()
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT string_agg(t::text, ';') FROM api_keys t", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
