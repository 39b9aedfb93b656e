using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using AccountService.Auth;
using AccountService.Data;
using AccountService.Operations;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Tests.Auth;

/// <summary>What the README promises about credential settings, checked through the HTTP pipeline.</summary>
public sealed class CredentialSettingsTests(PostgresFixture database) : IntegrationTest(database)
{
    private static readonly string Pepper = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task AKeyMadeWithAPepperIsAcceptedOnlyWithThatPepper()
    {
        await SeedAccountAsync("acc_alice");
        var key = await CreateKeyAsync("acc_alice", Pepper);

        var samePepper = await GetMeWithPepperAsync(key, Pepper);
        var otherPepper = await GetMeWithPepperAsync(key, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var noPepper = await GetMeWithPepperAsync(key, pepper: null);

        Assert.Equal((HttpStatusCode.OK, "acc_alice"), samePepper);
        Assert.Equal(HttpStatusCode.Unauthorized, otherPepper.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, noPepper.Status);
    }

    [Theory]
    [InlineData(-10, HttpStatusCode.OK)]
    [InlineData(-45, HttpStatusCode.Unauthorized)]
    public async Task AJwtExpiredWithinThe30SecondSkewIsStillAccepted(int expiredSecondsAgo, HttpStatusCode expected)
    {
        await SeedAccountAsync("acc_alice");
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();
        var now = DateTime.UtcNow;

        var (status, _) = await AuthenticationTests.GetMeAsync(
            client,
            $"Bearer {TestAuth.Jwt("acc_alice", notBefore: now.AddMinutes(-10), expires: now.AddSeconds(expiredSecondsAgo))}");

        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task ARememberedJwtIsRefusedOnceItsExpiryAndTheSkewHavePassed()
    {
        await SeedAccountAsync("acc_alice");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new AccountApiFactory(Database.ConnectionString, clock: clock);
        using var client = factory.CreateClient();

        // It expires well within the longest a validated token is remembered, so only its own expiry can end that.
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = now.AddMinutes(1);
        Assert.True(expires - now + JwtOptions.ClockSkew < CachingJsonWebTokenHandler.MaxReuse);
        var jwt = $"Bearer {TestAuth.Jwt("acc_alice", notBefore: now.AddMinutes(-10), expires: expires)}";

        var fresh = await AuthenticationTests.GetMeAsync(client, jwt);
        var remembered = await AuthenticationTests.GetMeAsync(client, jwt);
        clock.Advance(expires - now + JwtOptions.ClockSkew - TimeSpan.FromSeconds(1));
        var withinSkew = await AuthenticationTests.GetMeAsync(client, jwt);
        clock.Advance(TimeSpan.FromSeconds(2));
        var pastSkew = await AuthenticationTests.GetMeAsync(client, jwt);

        Assert.Equal((HttpStatusCode.OK, "acc_alice"), fresh);
        Assert.Equal((HttpStatusCode.OK, "acc_alice"), remembered);
        Assert.Equal((HttpStatusCode.OK, "acc_alice"), withinSkew);
        Assert.Equal(HttpStatusCode.Unauthorized, pastSkew.Status);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("false", HttpStatusCode.OK)]
    public async Task JwksAreFetchedOverHttpsOnlyUnlessThatIsTurnedOff(string? requireHttpsMetadata, HttpStatusCode expected)
    {
        await SeedAccountAsync("acc_alice");
        using var rsa = RSA.Create(2048);
        var signing = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "key-h" }, SecurityAlgorithms.RsaSha256);
        await using var keyServer = await KeyServer.StartAsync(rsa, "key-h");
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Jwt:PublicKeyPem"] = null,
            ["Auth:Jwt:JwksUrl"] = $"{keyServer.BaseUrl}/jwks.json",
        };
        if (requireHttpsMetadata is not null)
        {
            settings["Auth:Jwt:RequireHttpsMetadata"] = requireHttpsMetadata;
        }

        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();

        var (status, _) = await AuthenticationTests.GetMeAsync(client, $"Bearer {TestAuth.Jwt("acc_alice", signing)}");

        Assert.Equal(expected, status);
    }

    private async Task<string> CreateKeyAsync(string accountId, string pepper)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await OperatorCommands.RunAsync(
            ["keys", "create", "--account", accountId, "--name", "peppered"],
            output,
            error,
            new Dictionary<string, string?> { [DatabaseOptions.ConfigurationKey] = Database.ConnectionString, ["Auth:ApiKeys:Pepper"] = pepper });
        Assert.True(exitCode == 0, error.ToString());
        using var json = JsonDocument.Parse(output.ToString());
        return json.RootElement.GetProperty("key").GetString()!;
    }

    private async Task<(HttpStatusCode Status, string? Id)> GetMeWithPepperAsync(string key, string? pepper)
    {
        var settings = new Dictionary<string, string?>();
        if (pepper is not null)
        {
            settings["Auth:ApiKeys:Pepper"] = pepper;
        }

        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        return await AuthenticationTests.GetMeAsync(client, $"Bearer {key}");
    }
}
