using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AccountService.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Tests.Auth;

/// <summary>
/// Malformed and hostile <c>Authorization</c> values against the real server on a socket: each gets exactly the 401
/// envelope and challenge, and neither the response nor any log line carries what was presented.
/// </summary>
public sealed class HostileAuthorizationTests(PostgresFixture database, SharedApi api)
    : IntegrationTest(database), IClassFixture<SharedApi>
{
    private const string Alice = "acc_alice";
    private const string Bob = "acc_bob";

    private static readonly Dictionary<string, Func<Credentials, string[]>> Cases = new()
    {
        ["missing"] = _ => [],
        ["empty"] = _ => [""],
        ["only whitespace"] = _ => ["   "],
        ["scheme only"] = _ => ["Bearer"],
        ["scheme and space only"] = _ => ["Bearer    "],
        ["basic scheme"] = _ => ["Basic dXNlcjpwYXNzd29yZA=="],
        ["valid key under basic scheme"] = c => [$"Basic {c.AliceKey}"],
        ["valid key under token scheme"] = c => [$"Token {c.AliceKey}"],
        ["valid key with no scheme"] = c => [c.AliceKey],
        ["scheme glued to key"] = c => [$"Bearer{c.AliceKey}"],
        ["tab instead of space"] = c => [$"Bearer\t{c.AliceKey}"],
        ["lower-case scheme with junk"] = _ => ["bearer junk"],
        ["upper-case scheme with junk"] = _ => ["BEARER junk"],
        ["two headers both valid"] = c => [$"Bearer {c.AliceKey}", $"Bearer {c.AliceKey}"],
        ["two headers valid and junk"] = c => [$"Bearer {c.AliceKey}", "Bearer junk"],
        ["two headers valid key and valid jwt"] = c => [$"Bearer {c.AliceKey}", $"Bearer {c.AliceJwt}"],
        ["two tokens in one header"] = c => [$"Bearer {c.AliceKey} {c.AliceKey}"],
        ["whitespace inside the key"] = c => [$"Bearer {c.AliceKey[..10]} {c.AliceKey[10..]}"],
        ["comma-joined keys"] = c => [$"Bearer {c.AliceKey},{c.AliceKey}"],
        ["10 KB token"] = _ => [$"Bearer {new string('a', 10 * 1024)}"],
        ["10 KB key-like token"] = c => [$"Bearer {c.AliceKey}{new string('x', 10 * 1024)}"],
        ["non-ASCII key"] = c => [$"Bearer {c.AliceKey[..^3]}ÿé€"[..^1] + "ü"],
        ["non-ASCII junk"] = _ => ["Bearer ÄÖÜ-ñ-ß"],
        ["key truncated"] = c => [$"Bearer {c.AliceKey[..^1]}"],
        ["key with an extra character"] = c => [$"Bearer {c.AliceKey}A"],
        ["key with upper-case prefix"] = c => [$"Bearer OK_{c.AliceKey[3..]}"],
        ["key with wrong separator"] = c => [$"Bearer {c.AliceKey[..11]}-{c.AliceKey[12..]}"],
        ["key base64-encoded"] = c => [$"Bearer {Convert.ToBase64String(Encoding.UTF8.GetBytes(c.AliceKey))}"],
        ["unknown key id"] = c => [$"Bearer ok_Zz0Zz0Zz_{c.AliceKey[12..]}"],
        ["right key id wrong secret"] = c => [$"Bearer {c.AliceKey[..12]}{new string('Q', 24)}"],
        ["right key id with another key's secret"] = c => [$"Bearer {c.AliceKey[..12]}{c.BobKey[12..]}"],
        ["revoked key"] = c => [$"Bearer {c.RevokedKey}"],
        ["key of a deleted account"] = c => [$"Bearer {c.DeletedAccountKey}"],
        ["sql in the key id"] = _ => ["Bearer ok_' OR 1=1 --_aaaaaaaaaaaaaaaaaaaaaaaa"],
        ["null literal"] = _ => ["Bearer null"],
        ["undefined literal"] = _ => ["Bearer undefined"],
        ["json claims instead of a token"] = _ => [$$"""Bearer {"sub":"{{Alice}}"}"""],
        ["jwt with two segments"] = c => [$"Bearer {c.AliceJwt[..c.AliceJwt.LastIndexOf('.')]}"],
        ["jwt truncated in the signature"] = c => [$"Bearer {c.AliceJwt[..^10]}"],
        ["jwt signed by another key"] = _ => [$"Bearer {TestAuth.Jwt(Alice, new SigningCredentials(new RsaSecurityKey(RSA.Create(2048)), SecurityAlgorithms.RsaSha256))}"],
        ["jwt payload swapped to another account"] = c => [$"Bearer {SwapPayload(c.AliceJwt, TestAuth.Jwt(Bob))}"],
        ["jwt expired beyond the skew"] = _ => [$"Bearer {TestAuth.Jwt(Alice, notBefore: DateTime.UtcNow.AddMinutes(-20), expires: DateTime.UtcNow.AddMinutes(-2))}"],
        ["jwt not yet valid"] = _ => [$"Bearer {TestAuth.Jwt(Alice, notBefore: DateTime.UtcNow.AddMinutes(5), expires: DateTime.UtcNow.AddMinutes(20))}"],
        ["jwt wrong issuer"] = _ => [$"Bearer {TestAuth.Jwt(Alice, issuer: "https://evil.example")}"],
        ["jwt wrong audience"] = _ => [$"Bearer {TestAuth.Jwt(Alice, audience: "someone-else")}"],
        ["jwt alg none"] = _ => [$"Bearer {TestAuth.UnsignedJwt(Alice)}"],
        ["jwt hs256 signed with the rsa public key"] = _ => [$"Bearer {TestAuth.Jwt(Alice, TestAuth.Hmac(Encoding.UTF8.GetBytes(TestAuth.RsaPublicKeyPem)))}"],
        ["jwt hs256 when no hmac key is configured"] = _ => [$"Bearer {TestAuth.Jwt(Alice, TestAuth.Hmac(RandomNumberGenerator.GetBytes(32)))}"],
        ["jwt without the account claim"] = _ => [$"Bearer {TestAuth.Jwt(Alice, claim: "account")}"],
        ["jwt without expiry"] = _ => [$"Bearer {JwtWithoutExpiry(Alice)}"],
        ["jwt under basic scheme"] = c => [$"Basic {c.AliceJwt}"],
        ["key then vertical tab"] = c => [$"Bearer {c.AliceKey}\v"],
        ["key then form feed"] = c => [$"Bearer {c.AliceKey}\f"],
        ["key then no-break space"] = c => [$"Bearer {c.AliceKey}\u00a0"],
        ["no-break space before the key"] = c => [$"Bearer\u00a0{c.AliceKey}"],
        ["no-break space before the scheme"] = c => [$"\u00a0Bearer {c.AliceKey}"],
        ["jwt then vertical tab"] = c => [$"Bearer {c.AliceJwt}\v"],
        ["jwt then form feed"] = c => [$"Bearer {c.AliceJwt}\f"],
        ["jwt then no-break space"] = c => [$"Bearer {c.AliceJwt}\u00a0"],
        ["tab between spaces and the key"] = c => [$"Bearer \t{c.AliceKey}"],
    };

    // The same credentials, well formed: each reaches Alice's account, so the cases above fail for what they vary.
    private static readonly Dictionary<string, Func<Credentials, string>> Accepted = new()
    {
        ["key"] = c => $"Bearer {c.AliceKey}",
        ["jwt"] = c => $"Bearer {c.AliceJwt}",
        ["lower-case scheme"] = c => $"bearer {c.AliceKey}",
        ["several spaces after the scheme"] = c => $"Bearer    {c.AliceKey}",
        ["trailing space"] = c => $"Bearer {c.AliceKey} ",
        ["trailing tab"] = c => $"Bearer {c.AliceJwt}\t",
        ["leading space and tab"] = c => $" \tBearer {c.AliceKey}",
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    public static TheoryData<string> AcceptedNames => [.. Accepted.Keys];

    public sealed record Credentials(string AliceKey, string BobKey, string RevokedKey, string DeletedAccountKey, string AliceJwt);

    [Theory]
    [MemberData(nameof(AcceptedNames))]
    public async Task TheWellFormedCredentialIsAccepted(string name)
    {
        var credentials = await SeedAsync();
        var (_, client) = api.Get(Database.ConnectionString);

        var (status, id) = await AuthenticationTests.GetMeAsync(client, Accepted[name](credentials));

        Assert.Equal((HttpStatusCode.OK, Alice), (status, id));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task IsRejectedWithTheUnauthorizedEnvelopeAndLeaksNothing(string name)
    {
        var credentials = await SeedAsync();
        var (factory, client) = api.Get(Database.ConnectionString);
        var headers = Cases[name](credentials);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/accounts/me");
        foreach (var header in headers)
        {
            request.Headers.TryAddWithoutValidation("Authorization", header);
        }

        var logsBefore = factory.Logs.Count;
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var presented = headers.Any(h => !string.IsNullOrWhiteSpace(h));
        Assert.Equal(presented ? "Bearer error=\"invalid_token\"" : "Bearer", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        using var json = JsonDocument.Parse(body);
        var error = Assert.Single(json.RootElement.EnumerateObject());
        Assert.Equal("error", error.Name);
        Assert.Equal(["code", "message", "docUrl", "details"], error.Value.EnumerateObject().Select(p => p.Name));
        Assert.Equal("UNAUTHORIZED", error.Value.GetProperty("code").GetString());
        Assert.Equal("Missing, invalid, or expired authentication token.", error.Value.GetProperty("message").GetString());
        Assert.Equal("https://orbitkit.io/api/errors/#unauthorized", error.Value.GetProperty("docUrl").GetString());
        Assert.Equal(0, error.Value.GetProperty("details").GetArrayLength());
        var logs = string.Join('\n', factory.Logs.Skip(logsBefore));
        foreach (var secret in Secrets(headers))
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    private async Task<Credentials> SeedAsync()
    {
        await SeedAccountAsync(Alice);
        await SeedAccountAsync(Bob);
        await SeedAccountAsync("acc_deleted");
        var credentials = new Credentials(
            await SeedKeyAsync(Alice),
            await SeedKeyAsync(Bob),
            await SeedKeyAsync(Alice, revoked: true),
            await SeedKeyAsync("acc_deleted"),
            TestAuth.Jwt(Alice));
        Assert.Equal(0, (await RunCliAsync("accounts", "delete", "--id", "acc_deleted")).ExitCode);
        return credentials;
    }

    // What must never be echoed: each presented token, and the secret part of anything shaped like a key.
    private static IEnumerable<string> Secrets(string[] headers)
    {
        foreach (var header in headers)
        {
            var token = header.Split(' ', 2, StringSplitOptions.TrimEntries).Last();
            if (token.Length >= 12)
            {
                yield return token;
                yield return token[^12..];
            }
        }
    }

    private static string SwapPayload(string signedFor, string payloadFrom)
    {
        var a = signedFor.Split('.');
        var b = payloadFrom.Split('.');
        return $"{a[0]}.{b[1]}.{a[2]}";
    }

    private static string JwtWithoutExpiry(string accountId) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TestAuth.Issuer,
            Audience = TestAuth.Audience,
            Claims = new Dictionary<string, object> { ["sub"] = accountId },
            SigningCredentials = TestAuth.RsaSigning,
        });
}
