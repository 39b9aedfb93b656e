using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Deployment;

/// <summary>The Release build as its own process: graceful shutdown, JSON logs, the probe verb, telemetry.</summary>
public sealed class PublishedServiceTests(PostgresFixture database, PublishedService published)
    : IntegrationTest(database), IClassFixture<PublishedService>
{
    [Fact]
    public async Task SigtermUnderLoadFinishesEveryInFlightRequestAndExitsZero()
    {
        await using var stripe = await StripeStub.StartAsync();
        var keys = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            await SeedAccountAsync($"acc_{i}", a => a.StripeCustomerId = $"cus_{i}");
            var customer = stripe.Customer($"cus_{i}");
            customer.DefaultCard = new StubCard($"pm_{i}", "visa", "4242", 1, 2030);
            customer.Delay = TimeSpan.FromSeconds(1.5);
            keys.Add(await SeedKeyAsync($"acc_{i}"));
        }

        await using var service = published.Start(Environment(stripe));
        await service.WaitUntilLiveAsync();
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };

        // Every request is in flight (Stripe answers after 1.5 s) when SIGTERM arrives.
        var inFlight = keys.Select(key => SendAsync(http, key)).ToList();
        await Task.Delay(500);
        var clock = Stopwatch.StartNew();
        await service.TerminateAsync();
        var results = await Task.WhenAll(inFlight);
        var exited = await service.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.All(results, r => Assert.Equal("200", r));
        Assert.True(exited, "the service did not exit after SIGTERM");
        Assert.Equal(0, service.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {clock.Elapsed}");
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/health/live"));
    }

    [Fact]
    public async Task LogsAreJsonLinesWithTheRequestIdAndNoCredentials()
    {
        await SeedAccountAsync("acc_logs");
        var key = await SeedKeyAsync("acc_logs");
        await using var service = published.Start(Environment(stripe: null));
        await service.WaitUntilLiveAsync();
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        using var wrongSecret = AuthenticationTests.Request($"Bearer {key[..12]}{new string('Q', 24)}");
        wrongSecret.Headers.Add("X-Request-Id", "json-log-check");
        using var rejected = await http.SendAsync(wrongSecret);
        using var accepted = await http.SendAsync(AuthenticationTests.Request($"Bearer {key}"));
        await service.TerminateAsync();
        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(15)));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (rejected.StatusCode, accepted.StatusCode));
        var lines = service.Lines.ToList();
        Assert.NotEmpty(lines);
        var entries = lines.Select(line => JsonDocument.Parse(line)).ToList();
        Assert.All(entries, e => Assert.True(e.RootElement.TryGetProperty("Timestamp", out _) && e.RootElement.TryGetProperty("LogLevel", out _)));
        var rejection = Assert.Single(entries, e => e.RootElement.GetProperty("Message").GetString()!.StartsWith("API key rejected", StringComparison.Ordinal));
        Assert.Contains(
            rejection.RootElement.GetProperty("Scopes").EnumerateArray(),
            scope => scope.TryGetProperty("RequestId", out var id) && id.GetString() == "json-log-check");
        Assert.DoesNotContain(lines, line => line.Contains(key[12..], StringComparison.Ordinal) || line.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheProbeVerbPassesWhileTheServiceIsUpAndFailsOnceItIsGone()
    {
        await using var service = published.Start(Environment(stripe: null));
        await service.WaitUntilReadyAsync();
        var url = new Uri(service.BaseAddress, "/health/ready").ToString();

        var up = await ProcessRunner.RunAsync("dotnet", [published.Dll, "probe", url]);
        await service.TerminateAsync();
        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        var down = await ProcessRunner.RunAsync("dotnet", [published.Dll, "probe", url]);

        Assert.True(up.ExitCode == 0, up.Output);
        Assert.Equal(1, down.ExitCode);
    }

    [Fact]
    public async Task TracesGoToTheOtlpEndpointWhenOneIsSet()
    {
        await using var collector = await OtlpCollector.StartAsync();
        var environment = Environment(stripe: null);
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseUrl;
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        environment["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
        await using var service = published.Start(environment);
        await service.WaitUntilLiveAsync();
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        (await http.GetAsync("/health/ready")).Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && (collector.Count("/v1/traces") == 0 || collector.Count("/v1/metrics") == 0))
        {
            await Task.Delay(100);
        }

        Assert.True(collector.Count("/v1/traces") > 0, "no traces were exported");
        Assert.True(collector.Count("/v1/metrics") > 0, "no metrics were exported");
    }

    [Fact]
    public async Task WithoutAnOtlpEndpointNothingIsExported()
    {
        await using var collector = await OtlpCollector.StartAsync();
        await using var service = published.Start(Environment(stripe: null));
        await service.WaitUntilLiveAsync();
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        (await http.GetAsync("/health/ready")).Dispose();
        await Task.Delay(1500);

        Assert.Equal(0, collector.Count("/v1/traces") + collector.Count("/v1/metrics"));
    }

    private Dictionary<string, string> Environment(StripeStub? stripe)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Accounts"] = Database.ConnectionString,
            ["Server__ShutdownTimeout"] = "00:00:10",
            ["RateLimits__PerAccountPerMinute"] = "100000",
            ["RateLimits__PerIpPerMinute"] = "100000",
            ["Logging__LogLevel__Default"] = "Information",
        };
        if (stripe is not null)
        {
            environment["Stripe__SecretKey"] = "sk_test_stub";
            environment["Stripe__ApiBase"] = stripe.BaseUrl;
            environment["Stripe__TimeBudget"] = "00:00:05";
        }

        return environment;
    }

    private static async Task<string> SendAsync(HttpClient http, string key)
    {
        try
        {
            using var response = await http.SendAsync(AuthenticationTests.Request($"Bearer {key}", "/api/account"));
            return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException ex)
        {
            return $"failed: {ex.Message}";
        }
    }
}
