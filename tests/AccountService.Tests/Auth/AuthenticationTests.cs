using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using AccountService.Callers;
using AccountService.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Tests.Auth;

public sealed class AuthenticationTests(PostgresFixture database, SharedApi api)
    : IntegrationTest(database), IClassFixture<SharedApi>
{
    private HttpClient Client => api.Get(Database.ConnectionString).Client;

    [Fact]
    public async Task ApiKeyReachesTheCallersAccount()
    {
        await SeedAccountAsync("acc_alice");
        var key = await SeedKeyAsync("acc_alice");

        var (status, id) = await GetMeAsync(Client, $"Bearer {key}");

        Assert.Equal((HttpStatusCode.OK, "acc_alice"), (status, id));
    }

    [Fact]
    public async Task JwtReachesTheCallersAccount()
    {
        await SeedAccountAsync("acc_alice");

        var (status, id) = await GetMeAsync(Client, $"Bearer {TestAuth.Jwt("acc_alice")}");

        Assert.Equal((HttpStatusCode.OK, "acc_alice"), (status, id));
    }

    [Theory]
    [InlineData("bearer", false)]
    [InlineData("BEARER", false)]
    [InlineData("BeArEr", true)]
    [InlineData("bearer", true)]
    public async Task TheSchemeNameIsCaseInsensitive(string scheme, bool jwt)
    {
        await SeedAccountAsync("acc_alice");
        var credential = jwt ? TestAuth.Jwt("acc_alice") : await SeedKeyAsync("acc_alice");

        var (status, id) = await GetMeAsync(Client, $"{scheme} {credential}");

        Assert.Equal((HttpStatusCode.OK, "acc_alice"), (status, id));
    }

    [Fact]
    public async Task SeveralSpacesAfterTheSchemeAreAllowed()
    {
        await SeedAccountAsync("acc_alice");
        var key = await SeedKeyAsync("acc_alice");

        var (status, _) = await GetMeAsync(Client, $"Bearer    {key}");

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task EachCallerSeesOnlyItsOwnAccount()
    {
        var callers = new List<(string AccountId, string Credential)>();
        for (var i = 0; i < 25; i++)
        {
            var id = $"acc_tenant{i:D2}";
            await SeedAccountAsync(id);
            callers.Add((id, await SeedKeyAsync(id)));
            callers.Add((id, TestAuth.Jwt(id)));
        }

        var answers = await Task.WhenAll(
            Enumerable.Range(0, 4).SelectMany(_ => callers).Select(async c => (c.AccountId, Answer: await GetMeAsync(Client, $"Bearer {c.Credential}"))));

        Assert.Equal(200, answers.Length);
        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, a.AccountId), (a.Answer.Status, a.Answer.Id)));
    }

    [Fact]
    public async Task RevocationTakesEffectOnTheNextRequest()
    {
        await SeedAccountAsync("acc_alice");
        var key = await SeedKeyAsync("acc_alice");
        var before = await GetMeAsync(Client, $"Bearer {key}");

        Assert.Equal(0, (await RunCliAsync("keys", "revoke", "--key-id", key[3..11])).ExitCode);
        var after = await GetMeAsync(Client, $"Bearer {key}");

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, after.Status);
    }

    [Fact]
    public async Task AValidJwtForAnAccountThatDoesNotExistGetsNotFound()
    {
        using var request = Request($"Bearer {TestAuth.Jwt("acc_never_created")}");

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("NOT_FOUND", error.GetProperty("code").GetString());
        Assert.Equal("https://orbitkit.io/api/errors/#not-found", error.GetProperty("docUrl").GetString());
    }

    [Fact]
    public async Task AfterDeletionTheAccountsJwtGetsNotFoundAndItsKeyGetsUnauthorized()
    {
        await SeedAccountAsync("acc_gone");
        var key = await SeedKeyAsync("acc_gone");
        var jwt = TestAuth.Jwt("acc_gone");
        Assert.Equal(HttpStatusCode.OK, (await GetMeAsync(Client, $"Bearer {key}")).Status);

        Assert.Equal(0, (await RunCliAsync("accounts", "delete", "--id", "acc_gone")).ExitCode);

        Assert.Equal(HttpStatusCode.NotFound, (await GetMeAsync(Client, $"Bearer {jwt}")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetMeAsync(Client, $"Bearer {key}")).Status);
    }

    [Fact]
    public async Task LastUsedAtIsWrittenOnUseButAtMostOncePerMinute()
    {
        await SeedAccountAsync("acc_alice");
        var key = await SeedKeyAsync("acc_alice");
        var usage = api.Get(Database.ConnectionString).Factory.Services.GetRequiredService<KeyUsageRecorder>();

        await GetMeAsync(Client, $"Bearer {key}");
        await usage.FlushAsync(CancellationToken.None);
        var first = await LastUsedAtAsync(key);
        await GetMeAsync(Client, $"Bearer {key}");
        await usage.FlushAsync(CancellationToken.None);
        var second = await LastUsedAtAsync(key);

        // Read again from the database (memory dropped): the value written within the minute keeps it from being noted.
        api.Get(Database.ConnectionString).Factory.Services.GetRequiredService<CallerCache>().InvalidateAll();
        await GetMeAsync(Client, $"Bearer {key}");
        var notedAfterReread = usage.Pending;

        // Another replica, which has not written it, sees a value older than a minute and writes it again.
        await using (var db = CreateDbContext())
        {
            await db.ApiKeys.ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, DateTimeOffset.UtcNow.AddMinutes(-2)));
        }

        await using (var replica = new AccountApiFactory(Database.ConnectionString))
        {
            using var client = replica.CreateClient();
            await GetMeAsync(client, $"Bearer {key}");
            await replica.Services.GetRequiredService<KeyUsageRecorder>().FlushAsync(CancellationToken.None);
        }

        var third = await LastUsedAtAsync(key);

        Assert.NotNull(first);
        Assert.Equal(first, second);
        Assert.Equal(0, notedAfterReread);
        Assert.True(third > DateTimeOffset.UtcNow.AddSeconds(-30), $"last_used_at {third} was not refreshed");
    }

    [Fact]
    public async Task Hs256IsAcceptedWhenAnHmacKeyIsConfigured()
    {
        await SeedAccountAsync("acc_alice");
        var secret = RandomNumberGenerator.GetBytes(32);
        var settings = new Dictionary<string, string?> { ["Auth:Jwt:HmacKey"] = Convert.ToBase64String(secret) };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();

        var hs256 = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice", TestAuth.Hmac(secret))}");
        var otherSecret = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice", TestAuth.Hmac(RandomNumberGenerator.GetBytes(32)))}");
        var rs256 = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice")}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.OK), (hs256.Status, otherSecret.Status, rs256.Status));
    }

    [Fact]
    public async Task Es256PublicKeysAreAccepted()
    {
        await SeedAccountAsync("acc_alice");
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var settings = new Dictionary<string, string?> { ["Auth:Jwt:PublicKeyPem"] = ec.ExportSubjectPublicKeyInfoPem() };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();

        var es256 = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice", new SigningCredentials(new ECDsaSecurityKey(ec), SecurityAlgorithms.EcdsaSha256))}");
        var rs256 = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice")}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (es256.Status, rs256.Status));
    }

    [Theory]
    [InlineData("list", "urn:example:unknown")]
    [InlineData("list", "exp,x-custom")]
    [InlineData("list", "")]
    [InlineData("string", "urn:example:unknown")]
    public async Task AJwtWithACritHeaderIs401(string form, string names)
    {
        await SeedAccountAsync("acc_alice");
        object crit = form == "list" ? names.Split(',', StringSplitOptions.RemoveEmptyEntries) : names;
        var headers = new Dictionary<string, object> { ["crit"] = crit, ["urn:example:unknown"] = true, ["x-custom"] = 1 };

        var (status, _) = await GetMeAsync(Client, $"Bearer {TestAuth.Jwt("acc_alice", headers: headers)}");

        Assert.True(HttpStatusCode.Unauthorized == status, $"{form} [{names}]: {status}");
    }

    [Theory]
    [InlineData("acc_\u0000nul")]
    [InlineData("acc with space")]
    [InlineData("acc_\u00e9")]
    [InlineData("")]
    public async Task ASignedJwtWhoseAccountIdNoAccountCanHaveIs401(string accountId)
    {
        var id = accountId.Length == 0 ? new string('a', 65) : accountId;

        using var response = await Client.SendAsync(Request($"Bearer {TestAuth.Jwt(id)}"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("UNAUTHORIZED", json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task TheAccountIdClaimIsConfigurable()
    {
        await SeedAccountAsync("acc_alice");
        var settings = new Dictionary<string, string?> { ["Auth:Jwt:AccountIdClaim"] = "account_id" };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();

        var custom = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice", claim: "account_id")}");
        var sub = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice")}");

        Assert.Equal((HttpStatusCode.OK, "acc_alice"), (custom.Status, custom.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, sub.Status);
    }

    [Fact]
    public async Task KeysFromAJwksUrlAreUsed()
    {
        await SeedAccountAsync("acc_alice");
        using var rsa = RSA.Create(2048);
        var signing = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "key-1" }, SecurityAlgorithms.RsaSha256);
        await using var keyServer = await KeyServer.StartAsync(rsa, "key-1");
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Jwt:PublicKeyPem"] = null,
            ["Auth:Jwt:JwksUrl"] = $"{keyServer.BaseUrl}/jwks.json",
            ["Auth:Jwt:RequireHttpsMetadata"] = "false",
        };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();

        var signedByJwksKey = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice", signing)}");
        var signedByOtherKey = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice")}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (signedByJwksKey.Status, signedByOtherKey.Status));
    }

    [Fact]
    public async Task KeysFromAnOidcAuthorityAreUsed()
    {
        await SeedAccountAsync("acc_alice");
        using var rsa = RSA.Create(2048);
        var signing = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "key-2" }, SecurityAlgorithms.RsaSha256);
        await using var keyServer = await KeyServer.StartAsync(rsa, "key-2");
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Jwt:Issuer"] = keyServer.BaseUrl,
            ["Auth:Jwt:PublicKeyPem"] = null,
            ["Auth:Jwt:Authority"] = keyServer.BaseUrl,
            ["Auth:Jwt:RequireHttpsMetadata"] = "false",
        };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();

        var (status, id) = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice", signing, issuer: keyServer.BaseUrl)}");

        Assert.Equal((HttpStatusCode.OK, "acc_alice"), (status, id));
    }

    [Theory]
    [InlineData("Auth:Jwt:HmacKey", "c2hvcnQ=", "Auth:Jwt:HmacKey must be base64 of at least 32 bytes")]
    [InlineData("Auth:Jwt:PublicKeyPem", "not a pem", "Auth:Jwt:PublicKeyPem must be an RSA or P-256 EC public key")]
    [InlineData("Auth:Jwt:Issuer", "", "Auth:Jwt:Issuer is required")]
    [InlineData("Auth:Jwt:Audience", "", "Auth:Jwt:Audience is required")]
    [InlineData("Auth:ApiKeys:Pepper", "not base64!", "Auth:ApiKeys:Pepper must be base64")]
    public async Task AnInvalidAuthSettingStopsTheStartNamingTheKey(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains(message, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithNoJwtKeySourceJwtsAreRejectedAndApiKeysStillWork()
    {
        await SeedAccountAsync("acc_alice");
        var key = await SeedKeyAsync("acc_alice");
        await using var factory = new AccountApiFactory(Database.ConnectionString, new Dictionary<string, string?> { ["Auth:Jwt:PublicKeyPem"] = null });
        using var client = factory.CreateClient();

        var jwt = await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice")}");
        var apiKey = await GetMeAsync(client, $"Bearer {key}");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (jwt.Status, apiKey.Status));
        Assert.Contains(factory.Logs, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("No Auth:Jwt key source", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallerResolutionIsTheOnlyAuthenticationARequestPasses()
    {
        await SeedAccountAsync("acc_alice");
        var key = await SeedKeyAsync("acc_alice");
        var seen = new ConcurrentQueue<bool>();
        await using var factory = new AccountApiFactory(Database.ConnectionString, services: services =>
            services.AddSingleton<IStartupFilter>(new RecordWhetherAuthenticationMiddlewareRan(seen)));
        using var client = factory.CreateClient();

        var statuses = new[]
        {
            (await GetMeAsync(client, $"Bearer {key}")).Status,
            (await GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice")}")).Status,
            (await GetMeAsync(client, "Bearer ok_nope")).Status,
        };

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized], statuses);
        Assert.Equal([false, false, false], seen);
    }

    internal static HttpRequestMessage Request(string authorization, string path = "/v1/accounts/me")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }

    internal static async Task<(HttpStatusCode Status, string? Id)> GetMeAsync(HttpClient client, string authorization)
    {
        using var request = Request(authorization);
        using var response = await client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.GetProperty("id").GetString());
    }

    private async Task<DateTimeOffset?> LastUsedAtAsync(string key)
    {
        await using var db = CreateDbContext();
        return await db.ApiKeys.Where(k => k.KeyId == key.Substring(3, 8)).Select(k => k.LastUsedAt).SingleAsync();
    }

    // Outside the whole pipeline: the framework's authentication middleware leaves its feature on every request it sees.
    private sealed class RecordWhetherAuthenticationMiddlewareRan(ConcurrentQueue<bool> seen) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                await following(context);
                seen.Enqueue(context.Features.Get<IAuthenticationFeature>() is not null);
            });
            next(app);
        };
    }
}
