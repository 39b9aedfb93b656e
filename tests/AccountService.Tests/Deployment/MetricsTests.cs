using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using AccountService.Telemetry;
using AccountService.Tests.ApiKeys;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Metrics;

namespace AccountService.Tests.Deployment;

/// <summary>
/// <c>/metrics</c> is scraped as Prometheus would, on its own listener (<c>Metrics:Url</c>, here a free loopback port),
/// and the service's counters move by exactly the traffic sent.
/// </summary>
public sealed class MetricsTests(PostgresFixture database) : IntegrationTest(database)
{
    private const string OwnPort = "http://127.0.0.1:0";

    [Fact]
    public async Task MetricsAreServedInPrometheusFormatOnTheirOwnListenerOnly()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var factory = Api();
        using var api = factory.StartKestrel();
        Assert.Equal(HttpStatusCode.OK, await GetAsync(api, "/v1/accounts/me", key));

        var listener = factory.Services.GetRequiredService<MetricsListener>().Address!;
        Assert.Equal("127.0.0.1", listener.Host);
        Assert.NotEqual(api.BaseAddress!.Port, listener.Port);
        using var scraper = new HttpClient { BaseAddress = listener };
        using var scrape = await scraper.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal("text/plain", scrape.Content.Headers.ContentType?.MediaType);
        var text = await scrape.Content.ReadAsStringAsync();

        Assert.Equal(1, Value(text, "accountservice_caller_lookups_total", "result=\"miss\""));
        Assert.Equal(1, Value(text, "accountservice_cached_callers"));
        Assert.Equal(1, Value(text, "accountservice_change_listener_up"));
        Assert.Equal(0, Value(text, "accountservice_stripe_breaker_open"));
        Assert.Contains(Samples(text), s => s.Labels.Contains("otel_scope_name=\"Npgsql\"", StringComparison.Ordinal));

        // Npgsql's command durations and pool gauges, not the counters every command would update several times.
        Assert.Contains("# TYPE db_client_operation_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE db_client_connection_count gauge", text, StringComparison.Ordinal);
        Assert.DoesNotContain("db_client_operation_npgsql_executing", text, StringComparison.Ordinal);
        Assert.DoesNotContain("db_client_operation_npgsql_bytes_", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_pause_time_seconds_total", text, StringComparison.Ordinal);

        // Without Redis there is nothing to report about sharing budgets.
        Assert.DoesNotContain("accountservice_shared_budgets_up", text, StringComparison.Ordinal);

        // The API's port has no /metrics: the usual 404 envelope. The listener has nothing else.
        using var onApi = await api.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, onApi.StatusCode);
        Assert.Equal("NOT_FOUND", JsonNode.Parse(await onApi.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        using var elsewhere = await scraper.GetAsync("/v1/accounts/me");
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);

        // ASP.NET Core's request histogram, by route and status (recorded as each request ends). Scrapes are not
        // requests: after several of them, the API's two requests are all it counts.
        var requests = await UntilAsync(factory, t => Value(t, "http_server_request_duration_seconds_count") == 2);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", requests, StringComparison.Ordinal);
        Assert.Equal(1, Value(requests, "http_server_request_duration_seconds_count", "http_route=\"/v1/accounts/me\"", "http_response_status_code=\"200\""));
        Assert.Equal(1, Value(requests, "http_server_request_duration_seconds_count", "http_response_status_code=\"404\""));
        await ScrapeAsync(factory);
        Assert.Equal(2, Value(await ScrapeAsync(factory), "http_server_request_duration_seconds_count"));
    }

    [Fact]
    public async Task AnEmptyUrlTurnsMetricsOff()
    {
        await using var factory = Api(new() { ["Metrics:Url"] = "" });
        using var client = factory.CreateClient();

        Assert.Null(factory.Services.GetService<MetricsListener>());
        Assert.Null(factory.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task CallerLookupsAndRateLimitDecisionsCountExactlyTheTrafficSent()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");

        // A clock that does not move: every request falls in the same rate-limit window.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = Api(new() { ["RateLimits:PerIpPerMinute"] = "4" }, clock);
        using var client = factory.CreateClient();
        await factory.ListeningAsync();
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/v1/accounts/me", key));
        var before = await ScrapeAsync(factory);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/v1/accounts/me", key));
        }

        var warm = await ScrapeAsync(factory);
        Assert.Equal(10, Delta(before, warm, "accountservice_caller_lookups_total", "result=\"hit\""));
        Assert.Equal(0, Delta(before, warm, "accountservice_caller_lookups_total", "result=\"miss\""));
        Assert.Equal(10, Delta(before, warm, "accountservice_rate_limit_decisions_total", "budget=\"account\"", "decision=\"allowed\""));

        // A key never seen: one database read. Then keys that are not keys at all: the per-IP budget of 4 admits the
        // unknown key and three of them, and refuses the other two.
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(client, "/v1/accounts/me", "ok_abcdefgh_abcdefghijklmnopqrstuvwx"));
        for (var i = 0; i < 5; i++)
        {
            await GetAsync(client, "/v1/accounts/me", "not-a-key");
        }

        var after = await ScrapeAsync(factory);
        Assert.Equal(1, Delta(warm, after, "accountservice_caller_lookups_total", "result=\"miss\""));
        Assert.Equal(0, Delta(warm, after, "accountservice_caller_lookups_total", "result=\"hit\""));
        Assert.Equal(4, Delta(before, after, "accountservice_rate_limit_decisions_total", "budget=\"ip\"", "decision=\"allowed\""));
        Assert.Equal(2, Delta(before, after, "accountservice_rate_limit_decisions_total", "budget=\"ip\"", "decision=\"rejected\""));
        Assert.Equal(0, Delta(before, after, "accountservice_rate_limit_decisions_total", "budget=\"account\"", "decision=\"rejected\""));

        // Each change the database notifies is counted as it is applied.
        await ExecuteAsync("UPDATE accounts SET name = 'Renamed' WHERE id = 'acc_1'");
        await factory.SeenAllChangesAsync();
        Assert.True(Delta(after, await ScrapeAsync(factory), "accountservice_change_notifications_total") >= 1);
    }

    [Fact]
    public async Task TheListenerGaugeReadsZeroWhileTheDatabaseIsAwayAndKnownCallersAreCountedStale()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var proxy = PostgresProxy.Start(Database.ConnectionString);
        var settings = new Dictionary<string, string?> { ["Metrics:Url"] = OwnPort };
        await using var factory = new AccountApiFactory(proxy.ConnectionString, settings, seeOwnWrites: false);
        using var client = factory.CreateClient();
        await factory.ListeningAsync();
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/v1/accounts/me", key));
        Assert.Equal(1, Value(await ScrapeAsync(factory), "accountservice_change_listener_up"));

        proxy.TakeDown();
        try
        {
            var down = await UntilAsync(factory, text => Value(text, "accountservice_change_listener_up") == 0);
            Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/v1/accounts/me", key));
            Assert.Equal(1, Delta(down, await ScrapeAsync(factory), "accountservice_caller_lookups_total", "result=\"stale\""));
        }
        finally
        {
            proxy.BringBack();
        }

        await UntilAsync(factory, text => Value(text, "accountservice_change_listener_up") == 1);
    }

    [Fact]
    public async Task TheReadyGaugeReadsZeroWhileTheDatabaseIsAwayAndOneOnceItIsBack()
    {
        await using var proxy = PostgresProxy.Start(Database.ConnectionString);
        var settings = new Dictionary<string, string?> { ["Metrics:Url"] = OwnPort };
        await using var factory = new AccountApiFactory(proxy.ConnectionString, settings, seeOwnWrites: false);
        using var client = factory.CreateClient();
        await factory.ListeningAsync();

        // Nothing probes /health/ready until the end: the scrapes alone keep the gauge current.
        await UntilAsync(factory, text => Reads(text, "accountservice_ready", 1));
        proxy.TakeDown();
        try
        {
            await UntilAsync(factory, text => Reads(text, "accountservice_ready", 0));
            using var notReady = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        }
        finally
        {
            proxy.BringBack();
        }

        await UntilAsync(factory, text => Reads(text, "accountservice_ready", 1), limit: TimeSpan.FromSeconds(20));
        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task TheBreakerGaugeReadsOneDuringAStripeOutageAndZeroOnceAProbeClosesIt()
    {
        await using var stripe = await StripeStub.StartAsync();
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        stripe.Customer("cus_1").DefaultCard = new StubCard("pm_1", "visa", "4242", 12, 2030);
        await using var factory = Api(stripe.BreakerSettings(TimeSpan.FromSeconds(2), minimumThroughput: 2, cooldown: TimeSpan.FromSeconds(1)));
        using var client = factory.CreateClient();
        var jwt = TestAuth.Jwt("acc_1");
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/api/account", jwt));
        Assert.True(Reads(await ScrapeAsync(factory), "accountservice_stripe_breaker_open", 0));

        // Stripe answers 500 to everything: the second lookup in a row opens the breaker. Its answers are the last
        // known card, so requests keep succeeding while the gauge says what is going on.
        stripe.Outage = StubOutage.ServerErrors;
        var outage = await UntilAsync(factory, text => Reads(text, "accountservice_stripe_breaker_open", 1), () => GetAsync(client, "/api/account", jwt));
        Assert.True(Value(outage, "accountservice_stripe_requests_total", "outcome=\"failed\"") >= 1);

        stripe.Outage = StubOutage.None;
        await UntilAsync(factory, text => Reads(text, "accountservice_stripe_breaker_open", 0), () => GetAsync(client, "/api/account", jwt));
    }

    [Fact]
    public async Task SharedBudgetsReadZeroWhileRedisIsStopped()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var redis = await RedisServer.StartAsync();
        await using var factory = Api(redis: redis);
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/v1/accounts/me", key));
        Assert.Equal(1, Value(await ScrapeAsync(factory), "accountservice_shared_budgets_up"));

        await redis.StopAsync();
        await UntilAsync(factory, text => Value(text, "accountservice_shared_budgets_up") == 0, () => GetAsync(client, "/v1/accounts/me", key));

        await redis.StartAgainAsync();
        await UntilAsync(factory, text => Value(text, "accountservice_shared_budgets_up") == 1, () => GetAsync(client, "/v1/accounts/me", key), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task CardLookupsWebhookEventsAndReplaysAreCounted()
    {
        await using var stripe = await StripeStub.StartAsync();
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        stripe.Customer("cus_1").DefaultCard = new StubCard("pm_1", "visa", "4242", 12, 2030);
        await using var factory = Api(stripe.Settings(webhooks: true));
        using var client = factory.CreateClient();
        var jwt = TestAuth.Jwt("acc_1");
        var before = await ScrapeAsync(factory);

        // One card from Stripe, then twice from memory: counts that differ, so each lands under its own source.
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/api/account", jwt));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/api/account", jwt));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/api/account", jwt));
        using (var unsigned = await client.SendAsync(StripeEvents.Delivery("{}", signature: null)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        }

        var body = StripeEvents.Event("evt_1", "customer.updated", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), StripeEvents.Customer("cus_1"));
        using (var signed = await client.SendAsync(StripeEvents.Signed(body)))
        {
            Assert.Equal(HttpStatusCode.NoContent, signed.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Created, (await ApiKeysApi.CreateAsync(client, jwt, "ci", idempotencyKey: "once")).Status);
        Assert.Equal(HttpStatusCode.Created, (await ApiKeysApi.CreateAsync(client, jwt, "ci", idempotencyKey: "once")).Status);

        var after = await ScrapeAsync(factory);
        Assert.Equal(1, Delta(before, after, "accountservice_stripe_requests_total", "outcome=\"success\""));
        Assert.Equal(1, Delta(before, after, "accountservice_card_lookups_total", "source=\"stripe\""));
        Assert.Equal(2, Delta(before, after, "accountservice_card_lookups_total", "source=\"memory\""));
        Assert.Equal(0, Delta(before, after, "accountservice_card_lookups_total", "source=\"last_known\""));
        Assert.Equal(1, Delta(before, after, "accountservice_stripe_webhook_events_total", "type=\"unknown\"", "outcome=\"unsigned\""));
        Assert.Equal(1, Delta(before, after, "accountservice_stripe_webhook_events_total", "type=\"customer.updated\"", "outcome=\"processed\""));
        Assert.Equal(1, Delta(before, after, "accountservice_idempotent_replays_total"));
    }

    // With its own metrics listener, which the test apps otherwise go without.
    private AccountApiFactory Api(Dictionary<string, string?>? settings = null, TimeProvider? clock = null, RedisServer? redis = null)
    {
        var all = new Dictionary<string, string?>(settings ?? []);
        all.TryAdd("Metrics:Url", OwnPort);
        return new AccountApiFactory(Database.ConnectionString, all, clock: clock, redis: redis);
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient client, string path, string credential)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {credential}");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<string> ScrapeAsync(AccountApiFactory factory)
    {
        using var scraper = new HttpClient { BaseAddress = factory.Services.GetRequiredService<MetricsListener>().Address };
        return await scraper.GetStringAsync("/metrics");
    }

    /// <summary>Scrapes (doing <paramref name="between"/> before each) until <paramref name="condition"/> holds; the scrape that showed it.</summary>
    private static async Task<string> UntilAsync(AccountApiFactory factory, Func<string, bool> condition, Func<Task>? between = null, TimeSpan? limit = null)
    {
        var text = "";
        await Signals.WaitUntilAsync(
            async () =>
            {
                if (between is not null)
                {
                    await between();
                }

                text = await ScrapeAsync(factory);
                return condition(text);
            },
            limit ?? TimeSpan.FromSeconds(10),
            "the metrics show the expected state",
            () => text);
        return text;
    }

    /// <summary>Whether a sample named <paramref name="name"/> is present and reads <paramref name="expected"/>: an absent gauge reads nothing.</summary>
    private static bool Reads(string text, string name, double expected) =>
        Samples(text).Where(s => s.Name == name).Select(s => s.Value).ToList() is [var only] && only == expected;

    private static double Delta(string before, string after, string name, params string[] labels) =>
        Value(after, name, labels) - Value(before, name, labels);

    /// <summary>The sum of the samples named <paramref name="name"/> that carry every one of <paramref name="labels"/>.</summary>
    private static double Value(string text, string name, params string[] labels) =>
        Samples(text).Where(s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).Sum(s => s.Value);

    private static IEnumerable<Sample> Samples(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var end = brace >= 0 ? line.IndexOf("} ", brace, StringComparison.Ordinal) + 1 : line.IndexOf(' ', StringComparison.Ordinal);
            var name = line[..(brace >= 0 ? brace : end)];
            var labels = brace >= 0 ? line[brace..end] : "";
            var value = line[(end + 1)..].Split(' ')[0];
            yield return new Sample(name, labels, double.Parse(value, CultureInfo.InvariantCulture));
        }
    }

    private readonly record struct Sample(string Name, string Labels, double Value);
}
