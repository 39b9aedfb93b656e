using System.Net;
using System.Text.Json.Nodes;
using AccountService.Tests.ApiKeys;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Accounts;

/// <summary>
/// An account disabled by an administrator can still read <c>GET /v1/accounts/me</c> (to see why) and nothing else; a
/// disabled account of any kind cannot create keys. Seen on the next request after the change, made by plain SQL.
/// </summary>
public sealed class DisabledAccountTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task AnAccountDisabledByAnAdministratorReadsOnlyItsOwnAccount()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        var jwt = TestAuth.Jwt("acc_1");
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();
        var (keyId, _) = (await ApiKeysApi.CreateAsync(client, jwt, "before")).Created;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, key, "/api/account"));

        await ExecuteAsync("UPDATE accounts SET status = 'DISABLED_BY_ADMIN' WHERE id = 'acc_1'");

        using var me = await client.SendAsync(AuthenticationTests.Request($"Bearer {key}"));
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("ACCOUNT_STATUS_DISABLED_BY_ADMIN", JsonNode.Parse(await me.Content.ReadAsStringAsync())!["account_status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, jwt, "/v1/accounts/me"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, key, "/api/account"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, jwt, "/api/account"));
        var create = await ApiKeysApi.CreateAsync(client, jwt, "after");
        Assert.Equal((HttpStatusCode.Forbidden, "FORBIDDEN"), (create.Status, create.ErrorCode));
        Assert.Equal(HttpStatusCode.Forbidden, (await ApiKeysApi.ListAsync(client, jwt)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ApiKeysApi.RevokeAsync(client, jwt, keyId)).Status);

        await ExecuteAsync("UPDATE accounts SET status = 'ENABLED' WHERE id = 'acc_1'");

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, key, "/api/account"));
        Assert.Equal(HttpStatusCode.Created, (await ApiKeysApi.CreateAsync(client, jwt, "again")).Status);
    }

    [Fact]
    public async Task AnAccountDisabledForItsQuotaKeepsWorkingButCreatesNoKeys()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        var jwt = TestAuth.Jwt("acc_1");
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();

        await ExecuteAsync("UPDATE accounts SET status = 'DISABLED_QUOTA_REACHED' WHERE id = 'acc_1'");

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, key, "/api/account"));
        Assert.Equal(HttpStatusCode.OK, (await ApiKeysApi.ListAsync(client, jwt)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ApiKeysApi.CreateAsync(client, jwt, "quota")).Status);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string credential, string path)
    {
        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {credential}", path));
        return response.StatusCode;
    }
}
