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
    public async Task SigtermFinishesInFlightRequestsAndCutsOffOneThatOutlivesTheShutdownTimeout()
    {
        await using var stripe = await StripeStub.StartAsync();
        var keys = new List<string>();
        for (var i = 0; i < 13; i++)
        {
            await SeedAccountAsync($"acc_{i}", a => a.StripeCustomerId = $"cus_{i}");
            var customer = stripe.Customer($"cus_{i}");
            customer.DefaultCard = new StubCard($"pm_{i}", "visa", "4242", 1, 2030);

            // Twelve requests finish well inside the 3 s shutdown timeout; the last would need 25 s.
            customer.Delay = TimeSpan.FromSeconds(i < 12 ? 1.5 : 25);
            keys.Add(await SeedKeyAsync($"acc_{i}"));
        }

        var environment = Environment(stripe);
        environment["Server__ShutdownTimeout"] = "00:00:03";
        environment["Server__RequestTimeout"] = "00:01:00";
        environment["Stripe__TimeBudget"] = "00:00:30";
        await using var service = published.Start(environment);
        await service.WaitUntilLiveAsync();
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(40) };

        // SIGTERM once every request is in flight: each has reached Stripe, which answers after its delay.
        var inFlight = keys.Select(key => SendAsync(http, key)).ToList();
        await Signals.WaitUntilAsync(() => stripe.Calls.Count == keys.Count, TimeSpan.FromSeconds(20), "every request has reached Stripe");
        var clock = Stopwatch.StartNew();
        await service.TerminateAsync();
        var exited = await service.WaitForExitAsync(TimeSpan.FromSeconds(40));
        var exitedAfter = clock.Elapsed;
        var results = await Task.WhenAll(inFlight);

        Assert.True(exited, "the service did not exit after SIGTERM");
        Assert.Equal(0, service.ExitCode);
        Assert.All(results.Take(12), r => Assert.Equal("200", r));
        Assert.StartsWith("failed:", results[12], StringComparison.Ordinal);
        Assert.True(exitedAfter < TimeSpan.FromSeconds(10), $"shutdown took {exitedAfter}, not the 3 s Server:ShutdownTimeout");
        Assert.True(exitedAfter >= TimeSpan.FromSeconds(2.5), $"shutdown took {exitedAfter}: the slow request was not given its time");
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
        // The refusal is counted per client IP; its first one is logged at once, within the request.
        Assert.DoesNotContain(entries, e => e.RootElement.GetProperty("Message").GetString()!.StartsWith("API key rejected", StringComparison.Ordinal));
        var rejection = Assert.Single(entries, e => e.RootElement.GetProperty("Message").GetString()!.StartsWith("Refused 1 credential(s) from 127.0.0.1", StringComparison.Ordinal));
        Assert.Equal(["json-log-check"], ScopeValues(rejection, "RequestId"));
        Assert.Equal(["/v1/accounts/me"], ScopeValues(rejection, "RequestPath"));
        Assert.Matches("^[0-9A-Z]{13}$", Assert.Single(ScopeValues(rejection, "ConnectionId")));

        // Every line logged for a request names one request id, and Kestrel's connection under a name of its own.
        var requestLines = entries.Where(e => ScopeValues(e, "RequestPath").Count > 0).ToList();
        Assert.NotEmpty(requestLines);
        Assert.All(requestLines, e => Assert.Single(ScopeValues(e, "RequestId")));
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
    public async Task AMistypedVerbExitsTwoWithTheUsageInsteadOfServing()
    {
        var port = PostgresServer.FreeLoopbackPort();
        var environment = new Dictionary<string, string>(Environment(stripe: null)) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" };

        var result = await ProcessRunner.RunAsync("dotnet", [published.Dll, "migrat"], environment, published.Directory, TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}:\n{result.Output}");
        Assert.Equal("", result.Stdout);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Stripe__FailureCooldown", "00:00:00.100", "Stripe:FailureCooldown must be between 00:00:00.500 and 00:10:00.")]
    [InlineData("Auth__Jwt__HmacKey", "c2hvcnQ=", "Auth:Jwt:HmacKey")]
    [InlineData("Stripe__TimeBudget", "two seconds", "Stripe:TimeBudget must be a time span such as 00:00:05.")]
    [InlineData("RateLimits__PerIpPerMinute", "lots", "RateLimits:PerIpPerMinute must be a whole number.")]
    [InlineData("DataProtection__KeyRingKey", "c2hvcnQ=", "DataProtection:KeyRingKey must be base64 of 32 bytes.")]
    [InlineData("Cache__MaxValidatedJwts", "-5", "Cache:MaxValidatedJwts must be between 100 and 10000000.")]
    public async Task AnInvalidSettingStopsTheStartWithOneLineOnStderrAndExitCode1(string variable, string value, string message)
    {
        var port = PostgresServer.FreeLoopbackPort();
        var environment = new Dictionary<string, string>(Environment(stripe: null))
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            [variable] = value,
        };

        var result = await ProcessRunner.RunAsync("dotnet", [published.Dll], environment, published.Directory, TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}:\n{result.Output}");
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
        Assert.DoesNotContain(value, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptingJwtsWithoutAKeyRingKeyStopsTheStartWithOneLineOnStderrAndExitCode1()
    {
        var environment = new Dictionary<string, string>(Environment(stripe: null))
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{PostgresServer.FreeLoopbackPort()}",
            ["Auth__Jwt__Issuer"] = TestAuth.Issuer,
            ["Auth__Jwt__Audience"] = TestAuth.Audience,
            ["Auth__Jwt__PublicKeyPem"] = TestAuth.RsaPublicKeyPem,
        };

        var result = await ProcessRunner.RunAsync("dotnet", [published.Dll], environment, published.Directory, TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}:\n{result.Output}");
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: DataProtection:KeyRingKey is required when JWTs are accepted", line, StringComparison.Ordinal);
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
        await Signals.WaitUntilAsync(
            () => collector.Count("/v1/traces") > 0 && collector.Count("/v1/metrics") > 0,
            TimeSpan.FromSeconds(10),
            "traces and metrics are exported",
            () => $"traces: {collector.Count("/v1/traces")}, metrics: {collector.Count("/v1/metrics")}");
    }

    private static List<string?> ScopeValues(JsonDocument entry, string name) =>
        entry.RootElement.TryGetProperty("Scopes", out var scopes)
            ? [.. scopes.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out _)).Select(s => s.GetProperty(name).GetString())]
            : [];

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
