using System.Net;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace AccountService.Tests.Auth;

/// <summary>
/// Guessing credentials does not flood the logs: at the default level, refused credentials are one line per client IP
/// per minute with a count, and no request writes a line of its own unless <c>Logging:Requests</c> asks for one.
/// </summary>
public sealed class QuietLogTests(PostgresFixture database) : IntegrationTest(database)
{
    private const string Category = "AccountService.Auth.RefusedCredentials";

    [Fact]
    public async Task RefusedCredentialsAreCountedPerAddressAtMostOneLineAMinute()
    {
        await SeedAccountAsync("acc_1");
        var revoked = await SeedKeyAsync("acc_1", revoked: true);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new AccountApiFactory(Database.ConnectionString, clock: clock);
        using var client = factory.CreateClient();
        var before = factory.Logs.Count;

        // 60 refusals of every kind: not a key, an unknown key, a revoked key, a JWT with a bad signature.
        string[] credentials = ["not-a-key", "ok_abcdefgh_abcdefghijklmnopqrstuvwx", revoked, TestAuth.Jwt("acc_1") + "x"];
        for (var i = 0; i < 60; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(client, credentials[i % credentials.Length]));
        }

        // The first refusal is logged at once; nothing else of the 60 requests is written at Information or above.
        var written = factory.Logs.Skip(before).Where(AtDefaultLevel).ToList();
        Assert.Equal([$"Information {Category}: Refused 1 credential(s) from unknown"], written.Select(Head));

        // A minute later the rest are logged as one count; another minute with none writes nothing more.
        clock.Advance(TimeSpan.FromMinutes(1));
        clock.Advance(TimeSpan.FromMinutes(1));
        written = factory.Logs.Skip(before).Where(AtDefaultLevel).ToList();
        Assert.Equal(
            [$"Information {Category}: Refused 1 credential(s) from unknown", $"Information {Category}: Refused 59 credential(s) from unknown"],
            written.Select(Head));
    }

    [Fact]
    public async Task WithLoggingRequestsEachRequestIsOneLine()
    {
        var settings = new Dictionary<string, string?> { ["Logging:Requests"] = "true" };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        var before = factory.Logs.Count;

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(client, "not-a-key"));
        using (await client.GetAsync("/health/live?probe=1"))
        {
        }

        var lines = factory.Logs.Skip(before).Where(l => l.StartsWith("Information AccountService.Server.RequestLog:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Matches(@"^Information AccountService\.Server\.RequestLog: GET /v1/accounts/me 401 [0-9.]+ ms .*RequestId=", lines[0]);
        Assert.Matches(@"^Information AccountService\.Server\.RequestLog: GET /health/live 200 [0-9.]+ ms ", lines[1]);
    }

    // Lines at the default level, but the host's own start-up lines, which may be written after the client is made.
    private static bool AtDefaultLevel(string line) =>
        !line.StartsWith("Debug", StringComparison.Ordinal) && !line.StartsWith("Trace", StringComparison.Ordinal)
        && !line.StartsWith("Information Microsoft.Hosting.Lifetime:", StringComparison.Ordinal);

    // The line up to the message's fixed tail.
    private static string Head(string line) => line.Split(" (at most", 2)[0];

    private static async Task<HttpStatusCode> GetAsync(HttpClient client, string credential)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/accounts/me");
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {credential}");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
