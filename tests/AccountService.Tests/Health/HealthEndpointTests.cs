using System.Net;
using System.Text.Json;
using AccountService.Health;
using AccountService.Tests.Errors;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace AccountService.Tests.Health;

public sealed class HealthEndpointTests(PostgresFixture database, ITestOutputHelper output) : IntegrationTest(database)
{
    [Theory]
    [InlineData("/health/live", """{"status":"Healthy"}""")]
    [InlineData("/health/ready", """{"status":"Healthy","checks":{"database":"Healthy"}}""")]
    public async Task HealthEndpointsAnswerWithoutCredentials(string path, string body)
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadyIs503WithTheEnvelopeWhileTheDatabaseIsDownAndRecoversWhenItReturns()
    {
        await using var proxy = PostgresProxy.Start(Database.ConnectionString);
        await using var factory = new AccountApiFactory(proxy.ConnectionString);
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        proxy.TakeDown();
        HttpResponseMessage? down = null;
        await Signals.WaitUntilAsync(
            async () =>
            {
                down?.Dispose();
                down = await client.GetAsync("/health/ready");
                return down.StatusCode != HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(10),
            "/health/ready reports the database down");
        using var live = await client.GetAsync("/health/live");
        proxy.BringBack();

        var error = await ErrorEnvelopeTests.ErrorOfAsync(down!, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("SERVICE_UNAVAILABLE", error["code"]!.GetValue<string>());
        Assert.Equal("Not ready: database unavailable.", error["message"]!.GetValue<string>());
        Assert.Equal("https://orbitkit.io/api/errors/#service-unavailable", error["docUrl"]!.GetValue<string>());
        Assert.Empty(error["details"]!.AsArray());
        Assert.Equal("5", down!.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        await Signals.WaitUntilAsync(
            async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10),
            "/health/ready recovers once the database is back");
        down!.Dispose();
    }

    [Fact]
    public async Task ReadyStays200AndReportsRedisDegradedWhileItIsDownAndHealthyWhenItIsBack()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var factory = new AccountApiFactory(Database.ConnectionString, redis: redis);
        using var client = factory.CreateClient();
        var before = await ReadyAsync(client);

        await redis.StopAsync();
        (HttpStatusCode Status, string Body) during = default;
        await Signals.WaitUntilAsync(
            async () => (during = await ReadyAsync(client)).Body.Contains("Degraded", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            "/health/ready reports Redis degraded");
        await redis.StartAgainAsync();
        (HttpStatusCode Status, string Body) after = default;
        await Signals.WaitUntilAsync(
            async () => (after = await ReadyAsync(client)).Body.Contains("\"redis\":\"Healthy\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15),
            "/health/ready reports Redis healthy once it is back");

        const string healthy = """{"status":"Healthy","checks":{"database":"Healthy","redis":"Healthy"}}""";
        Assert.Equal((HttpStatusCode.OK, healthy), before);
        Assert.Equal((HttpStatusCode.OK, """{"status":"Degraded","checks":{"database":"Healthy","redis":"Degraded"}}"""), during);
        Assert.Equal((HttpStatusCode.OK, healthy), after);
    }

    [Fact]
    public async Task EachRoundOfConcurrentProbesCostsOneQueryAndNoConnectionOfItsOwn()
    {
        // The app reaches the database through a relay that counts every connection it opens, and runs on a clock the
        // test moves: each round's probes find the last result stale, so each round runs exactly one check.
        await using var proxy = PostgresProxy.Start(Database.ConnectionString);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?>
        {
            [DatabaseStatements.Logged.Key] = DatabaseStatements.Logged.Value,
            ["Logging:LogLevel:AccountService.ApiKeys.IdempotencyPurge"] = "Debug",
            ["Logging:LogLevel:AccountService.Billing.ProcessedStripeEvents"] = "Debug",
        };
        await using var factory = new AccountApiFactory(proxy.ConnectionString, settings, clock: clock);
        using var client = factory.CreateClient();
        await factory.ListeningAsync();

        // At rest: the listener's connection and the pool's, the purges' first rounds done, one check run.
        await Signals.WaitUntilAsync(() => factory.Logs.Count(IsPurgeRound) >= 2, TimeSpan.FromSeconds(10), "both purges ran their first round");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var connectionsAtRest = proxy.Relayed;
        var checksAtRest = factory.Logs.Count(IsCheck);

        const int rounds = 5;
        var statuses = new List<HttpStatusCode>();
        for (var round = 0; round < rounds; round++)
        {
            clock.Advance(DatabaseReadinessCheck.Freshness);
            statuses.AddRange(await Task.WhenAll(Enumerable.Range(0, 60).Select(async _ =>
            {
                using var response = await client.GetAsync("/health/ready");
                return response.StatusCode;
            })));
        }

        var opened = proxy.Relayed - connectionsAtRest;
        var checks = factory.Logs.Count(IsCheck) - checksAtRest;
        output.WriteLine($"{rounds} rounds of 60 concurrent /health/ready probes: {checks} queries, {opened} connections opened");
        Assert.Equal(rounds * 60, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(rounds, checks);

        // The pool's connection answers every check: none is needed, and one for each check could not hide in the
        // margin of one left for a background task that happens to hold the pool's connection at that moment.
        Assert.True(opened <= 1, $"{rounds} checks opened {opened} connections");
    }

    private static bool IsCheck(string line) =>
        DatabaseStatements.Is(line) && line.Contains("SELECT 1", StringComparison.Ordinal);

    private static bool IsPurgeRound(string line) =>
        line.Contains("AccountService.ApiKeys.IdempotencyPurge", StringComparison.Ordinal)
        || line.Contains("AccountService.Billing.ProcessedStripeEvents", StringComparison.Ordinal);

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task ProbesAnswerOnlyGetAndHead(string path)
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        using var post = await client.PostAsync(path, content: null);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using var json = JsonDocument.Parse(await post.Content.ReadAsStringAsync());
        Assert.Equal("METHOD_NOT_ALLOWED", json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnUnknownRouteGetsTheNotFoundEnvelope()
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/no/such/route");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("NOT_FOUND", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("https://orbitkit.io/api/errors/#not-found", json.RootElement.GetProperty("error").GetProperty("docUrl").GetString());
    }

    [Fact]
    public async Task TheServiceDoesNotStartWithoutAConnectionString()
    {
        await using var factory = new AccountApiFactory("");

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("ConnectionStrings:Accounts is required", ex.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadyAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health/ready");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
