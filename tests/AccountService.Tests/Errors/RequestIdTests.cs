using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Errors;

public sealed partial class RequestIdTests(PostgresFixture database, SharedApi api)
    : IntegrationTest(database), IClassFixture<SharedApi>
{
    private const string Rule = "must be sent once, as 1–128 printable ASCII characters other than a comma";

    [Fact]
    public async Task AValidCallerRequestIdIsEchoed()
    {
        var (_, client) = api.Get(Database.ConnectionString);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("X-Request-Id", "caller-id-42");

        using var response = await client.SendAsync(request);

        Assert.Equal("caller-id-42", response.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task WithoutOneAnIdIsGenerated()
    {
        var (_, client) = api.Get(Database.ConnectionString);

        using var first = await client.GetAsync("/health/live");
        using var second = await client.GetAsync("/no/such/route");

        var ids = new[] { first, second }.Select(r => r.Headers.GetValues("X-Request-Id").Single()).ToList();
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Theory]
    [InlineData("two header lines")]
    [InlineData("one line joined by a comma")]
    public async Task TwoRequestIdsAreRejectedAsAnInvalidOneIs(string form)
    {
        await SeedAccountAsync("acc_1");
        var (_, client) = api.Get(Database.ConnectionString);
        await using var raw = await RawHttp.ConnectAsync(client.BaseAddress!);
        string[] ids = form == "two header lines" ? ["X-Request-Id: first-id", "X-Request-Id: second-id"] : ["X-Request-Id: first-id, second-id"];

        await raw.SendGetAsync("/v1/accounts/me", [$"Authorization: Bearer {TestAuth.Jwt("acc_1")}", .. ids]);
        var response = await raw.ReadResponseAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(400, response.Status);
        var error = JsonNode.Parse(response.Body)!["error"]!;
        Assert.Equal("VALIDATION_FAILED", error["code"]!.GetValue<string>());
        var detail = Assert.Single(error["details"]!.AsArray())!;
        Assert.Equal(("X-Request-Id", Rule), (detail["field"]!.GetValue<string>(), detail["message"]!.GetValue<string>()));
        Assert.Matches("^[0-9a-f]{32}$", Assert.Single(response.Headers["X-Request-Id"]));
    }

    [Fact]
    public async Task EveryLogLineOfARequestCarriesItsIdAndNoOtherRequestId()
    {
        // The handler's per-request lines are at Warning by default (appsettings.json); Debug shows each refusal's reason.
        var settings = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:AccountService.Auth.ApiKeyAuthenticationHandler"] = "Debug",
        };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        (await client.GetAsync("/health/live")).Dispose();
        using var request = AuthenticationTests.Request("Bearer ok_Zz0Zz0Zz_QQQQQQQQQQQQQQQQQQQQQQQQ");
        request.Headers.Add("X-Request-Id", "trace-me-7");
        var before = factory.Logs.Count;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var lines = factory.Logs.Skip(before).ToList();
        Assert.Contains(lines, l => l.Contains("API key rejected", StringComparison.Ordinal));
        Assert.True(lines.Count >= 3, $"expected the request to log several lines, got:\n{string.Join('\n', lines)}");
        Assert.All(lines, line => Assert.Equal(["trace-me-7"], RequestIdScope().Matches(line).Select(m => m.Groups["id"].Value)));
    }

    [GeneratedRegex(@"\bRequestId=(?<id>\S+)")]
    private static partial Regex RequestIdScope();
}
