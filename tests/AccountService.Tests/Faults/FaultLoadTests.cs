using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AccountService.Accounts;
using AccountService.ApiKeys;
using AccountService.Billing;
using AccountService.Tests.Auth;
using AccountService.Tests.Deployment;
using AccountService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AccountService.Tests.Faults;

/// <summary>
/// Faults and load against the Release build as its own process, on loopback, bounded in time and requests.
/// Durations are short by default (CI); bench/faults runs the long form (FAULTS_SOAK_SECONDS=60). Figures are
/// printed and written to artifacts/faults/.
/// </summary>
public sealed class FaultLoadTests(PostgresFixture database, PublishedService published, ITestOutputHelper output)
    : IntegrationTest(database), IClassFixture<PublishedService>
{
    private static readonly TimeSpan SoakDuration = TimeSpan.FromSeconds(Setting("FAULTS_SOAK_SECONDS", 5));
    private static readonly int IsolationAccounts = Setting("FAULTS_ISOLATION_ACCOUNTS", 1000);
    private static readonly int IsolationRequests = Setting("FAULTS_ISOLATION_REQUESTS", 10_000);

    [Fact]
    public async Task SoakBothEndpointsAt64ConnectionsWithNoErrors()
    {
        var callers = await SeedCallersAsync(200);
        await using var stripe = await StripeStub.StartAsync();
        StubCards(stripe, callers);
        await using var service = published.Start(Environment(stripe));
        await service.WaitUntilReadyAsync();
        await WarmAsync(service, callers);

        var result = await new LoadRunner(service.BaseAddress, 64).RunAsync(n => Request(callers, n), SoakDuration, check: (n, response, body) => Check(callers, n, response, body));

        output.WriteLine(result.Report("soak", new Dictionary<string, object> { ["connections"] = 64, ["peakRssMiB"] = Math.Round(service.PeakRssMiB, 1) }));
        Assert.True(result.Requests > 0);
        Assert.Equal(0, result.TransportErrors);
        Assert.All(result.Samples, s => Assert.True(s.Status == 200 && s.Problem is null, $"{s.Status} {s.Problem}"));
    }

    [Fact]
    public async Task ADatabaseOutageUnderLoadIsAnsweredWith503AndRecoversWithin2Seconds()
    {
        // The service reaches PostgreSQL through a relay the test takes down and brings back: the same outage whether
        // the run started its own server or uses ACCOUNTS_TEST_DB.
        var callers = await SeedCallersAsync(50);
        await using var proxy = PostgresProxy.Start(Database.ConnectionString);
        var environment = Environment(stripe: null);
        environment["ConnectionStrings__Accounts"] = proxy.ConnectionString;

        // Every caller is known: without this they would be answered from memory during the outage (Cache:StaleIfError).
        environment["Cache__StaleIfError"] = "00:00:00";
        await using var service = published.Start(environment);
        await service.WaitUntilReadyAsync();
        await WarmAsync(service, callers);
        var runner = new LoadRunner(service.BaseAddress, 16);
        using var stop = new CancellationTokenSource();
        var answered = new ConcurrentDictionary<int, int>();
        var afterRestart = 0;
        var restartedFlag = 0;

        var loadStart = DateTime.UtcNow;
        var load = runner.RunAsync(
            n => Request(callers, n, orbitKit: false),
            TimeSpan.FromSeconds(60),
            stop: stop.Token,
            observe: s =>
            {
                answered.AddOrUpdate(s.Status, 1, (_, c) => c + 1);
                if (s.Status == 200 && Volatile.Read(ref restartedFlag) == 1)
                {
                    Interlocked.Increment(ref afterRestart);
                }
            });
        await Signals.WaitUntilAsync(() => answered.GetValueOrDefault(200) >= 200, TimeSpan.FromSeconds(20), "the load is answered");
        proxy.TakeDown();
        var stopped = DateTime.UtcNow - loadStart;
        await Signals.WaitUntilAsync(() => answered.GetValueOrDefault(503) >= 100, TimeSpan.FromSeconds(20), "the outage is answered with 503s");
        using var probe = new HttpClient { BaseAddress = service.BaseAddress };
        var readyDuringOutage = 0;
        await Signals.WaitUntilAsync(
            async () => (readyDuringOutage = (int)(await probe.GetAsync("/health/ready")).StatusCode) == 503,
            TimeSpan.FromSeconds(10),
            "/health/ready reports the outage");
        proxy.BringBack();
        var restarted = DateTime.UtcNow - loadStart;
        Volatile.Write(ref restartedFlag, 1);
        await Signals.WaitUntilAsync(() => Volatile.Read(ref afterRestart) >= 200, TimeSpan.FromSeconds(20), "the load is answered again");
        await stop.CancelAsync();
        var result = await load;

        var outage = result.Samples.Where(s => s.Status == 503).ToList();
        var lastFailure = outage.Select(s => s.Started + s.Latency).DefaultIfEmpty().Max();
        var firstSuccess = result.Samples.Where(s => s.Status == 200 && s.Started >= restarted).Select(s => s.Started + s.Latency).DefaultIfEmpty(TimeSpan.MaxValue).Min();
        output.WriteLine(result.Report("outage", new Dictionary<string, object>
        {
            ["outageSeconds"] = Math.Round((restarted - stopped).TotalSeconds, 2),
            ["lastFailureAfterRestartMs"] = Math.Round((lastFailure - restarted).TotalMilliseconds),
            ["firstSuccessAfterRestartMs"] = Math.Round((firstSuccess - restarted).TotalMilliseconds),
            ["responses503"] = outage.Count,
            ["p99Of503Ms"] = Math.Round(result.Percentile(99, s => s.Status == 503), 1),
            ["readyDuringOutage"] = readyDuringOutage,
        }));
        Assert.Equal(503, readyDuringOutage);
        Assert.NotEmpty(outage);
        Assert.Equal(0, result.TransportErrors);
        Assert.All(result.Samples, s => Assert.True(s.Status is 200 or 503, $"status {s.Status}: {s.Body}\n{service.ErrorLines()}"));
        Assert.All(outage, s => Assert.Contains("\"code\":\"SERVICE_UNAVAILABLE\"", s.Body, StringComparison.Ordinal));
        Assert.True(result.Percentile(100) < 5000, $"slowest answer {result.Percentile(100)} ms");
        Assert.True(firstSuccess - restarted < TimeSpan.FromSeconds(2), $"first success {firstSuccess - restarted} after the restart");
        Assert.True(lastFailure - restarted < TimeSpan.FromSeconds(2), $"503s until {lastFailure - restarted} after the restart");
    }

    [Fact]
    public async Task EveryAnswerBelongsToItsCallerAcrossThousandsOfInterleavedRequests()
    {
        var callers = await SeedCallersAsync(IsolationAccounts);
        await using var stripe = await StripeStub.StartAsync();
        StubCards(stripe, callers);
        await using var service = published.Start(Environment(stripe));
        await service.WaitUntilReadyAsync();
        // Seeded, so a failing order can be replayed: FAULTS_ISOLATION_SEED=<the seed printed>.
        var seed = Setting("FAULTS_ISOLATION_SEED", Random.Shared.Next());
        output.WriteLine($"isolation seed: {seed}");
        var random = new Random(seed);
        var order = Enumerable.Range(0, IsolationRequests).Select(_ => random.Next(callers.Count * 4)).ToArray();

        var result = await new LoadRunner(service.BaseAddress, 48).RunAsync(
            n => Request(callers, order[n]),
            TimeSpan.FromMinutes(3),
            IsolationRequests,
            check: (n, response, body) => Check(callers, order[n], response, body));

        var crossTenant = result.Samples.Count(s => s.Problem is not null);
        output.WriteLine(result.Report("isolation", new Dictionary<string, object> { ["accounts"] = callers.Count, ["crossTenantAnswers"] = crossTenant, ["seed"] = seed }));
        Assert.True(IsolationRequests == result.Requests, $"seed {seed}: {result.Requests} of {IsolationRequests} requests answered");
        Assert.All(result.Samples, s => Assert.True(s.Status == 200 && s.Problem is null, $"seed {seed}: {s.Status} {s.Problem}"));
    }

    [Fact]
    public async Task WhileStripeIsDownApiAccountAnswersFromTheLastKnownCardsWithinTheBudgetAndTheBreakerOpens()
    {
        var callers = await SeedCallersAsync(20);
        await using var stripe = await StripeStub.StartAsync();
        StubCards(stripe, callers);
        var environment = Environment(stripe);
        environment["Stripe__CardCacheTtl"] = "00:00:00.500";
        environment["Stripe__TimeBudget"] = "00:00:00.800";

        // The warm-up's successes stay in the breaker's window: a quarter of failing lookups (a third of the callers) opens it.
        environment["Stripe__BreakerFailureRatio"] = "0.25";
        await using var service = published.Start(environment);
        await service.WaitUntilReadyAsync();

        // One lookup first, so the warm-up's concurrent first calls to Stripe do not pay for JIT within the budget.
        using (var first = new HttpClient { BaseAddress = service.BaseAddress })
        {
            using var response = await first.SendAsync(Request(callers, 2));
        }

        await WarmAsync(service, callers);
        foreach (var caller in callers)
        {
            var customer = stripe.Customer(caller.CustomerId);
            customer.FailuresLeft = int.MaxValue;
            customer.Delay = TimeSpan.FromSeconds(2);
        }

        // Past the 500 ms card TTL every cached card is stale: answers must now ask Stripe (which fails) and fall back.
        var callsBefore = stripe.Calls.Count;
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        Assert.Equal(callsBefore, stripe.Calls.Count);
        var result = await new LoadRunner(service.BaseAddress, 16).RunAsync(
            n => Request(callers, OrbitKitRequest(n)),
            TimeSpan.FromSeconds(3),
            check: (n, response, body) => Check(callers, OrbitKitRequest(n), response, body));
        var callsDuringLoad = stripe.Calls.Count - callsBefore;

        output.WriteLine(result.Report("stripe-outage", new Dictionary<string, object> { ["budgetMs"] = 800, ["stripeCallsDuringLoad"] = callsDuringLoad }));
        Assert.True(result.Requests >= callers.Count, $"only {result.Requests} requests");
        Assert.All(result.Samples, s => Assert.True(s.Status == 200 && s.Problem is null, $"{s.Status} {s.Problem}"));
        Assert.True(callsDuringLoad > 0, "Stripe was not asked once the cached cards had expired: the answers came from the cache, not the fallback");
        Assert.True(result.Percentile(100) < 1500, $"slowest answer {result.Percentile(100)} ms");

        // Once every caller's lookup failed, the breaker is open: the rest are answered without asking Stripe.
        Assert.True(callsDuringLoad < result.Requests / 2, $"{callsDuringLoad} Stripe calls for {result.Requests} requests");
    }

    // Request numbers 4k+2 and 4k+3: /api/account with caller k's key, then JWT.
    private static int OrbitKitRequest(int n) => (n / 2 * 4) + 2 + (n % 2);

    private sealed record Caller(string AccountId, string Key, string Jwt, string CustomerId);

    // Request n cycles through the callers and through API key and JWT on both endpoints.
    private static HttpRequestMessage Request(IReadOnlyList<Caller> callers, int n, bool orbitKit = true)
    {
        var caller = callers[n / 4 % callers.Count];
        var kind = orbitKit ? n % 4 : n % 2;
        return AuthenticationTests.Request(
            $"Bearer {(kind % 2 == 0 ? caller.Key : caller.Jwt)}",
            kind < 2 ? "/v1/accounts/me" : "/api/account");
    }

    private static string? Check(IReadOnlyList<Caller> callers, int n, HttpResponseMessage response, string body)
    {
        var caller = callers[n / 4 % callers.Count];
        if (!response.IsSuccessStatusCode)
        {
            return $"{caller.AccountId} got {(int)response.StatusCode}: {body}";
        }

        using var json = JsonDocument.Parse(body);
        if (n % 4 < 2)
        {
            var id = json.RootElement.GetProperty("id").GetString();
            return id == caller.AccountId ? null : $"{caller.AccountId} got account {id}";
        }

        var card = json.RootElement.GetProperty("paymentMethod").GetProperty("id").GetString();
        var app = json.RootElement.GetProperty("subscriptions")[0].GetProperty("appId").GetString();
        return card == $"pm_{caller.AccountId}" && app == $"-N{caller.AccountId}"
            ? null
            : $"{caller.AccountId} got card {card} and app {app}";
    }

    private async Task<List<Caller>> SeedCallersAsync(int count)
    {
        var callers = new List<Caller>();
        await using var db = CreateDbContext();
        for (var i = 0; i < count; i++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"acc_f{i:D5}");
            var (keyId, secret, key) = ApiKeyCredential.Generate();
            db.Accounts.Add(new Account
            {
                Id = id,
                Name = id,
                Tier = AccountTier.Pro,
                Status = AccountStatus.Enabled,
                StripeCustomerId = $"cus_{id}",
                Apps =
                {
                    new App
                    {
                        Id = $"-N{id}",
                        AccountId = id,
                        Name = "App",
                        Subscription = new AppSubscription { AppId = $"-N{id}", PlanType = PlanType.Monthly, Status = SubscriptionStatus.Active },
                    },
                },
            });
            db.ApiKeys.Add(new ApiKey { KeyId = keyId, AccountId = id, Name = "load", SecretHash = SHA256.HashData(Encoding.UTF8.GetBytes(secret)) });
            callers.Add(new Caller(id, key, TestAuth.Jwt(id, expires: DateTime.UtcNow.AddMinutes(30)), $"cus_{id}"));
        }

        await db.SaveChangesAsync();
        return callers;
    }

    private static void StubCards(StripeStub stripe, IEnumerable<Caller> callers)
    {
        foreach (var caller in callers)
        {
            stripe.Customer(caller.CustomerId).DefaultCard = new StubCard($"pm_{caller.AccountId}", "visa", "4242", 12, 2030);
        }
    }

    // One request per caller on each endpoint: pools, JIT and card caches are warm before measuring.
    private static async Task WarmAsync(ServiceProcess service, IReadOnlyList<Caller> callers)
    {
        var warm = await new LoadRunner(service.BaseAddress, 8).RunAsync(n => Request(callers, n), TimeSpan.FromMinutes(1), callers.Count * 4);
        Assert.All(warm.Samples, s => Assert.Equal(200, s.Status));
    }

    private Dictionary<string, string> Environment(StripeStub? stripe)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Accounts"] = Database.ConnectionString,
            ["Auth__Jwt__Issuer"] = TestAuth.Issuer,
            ["Auth__Jwt__Audience"] = TestAuth.Audience,
            ["Auth__Jwt__PublicKeyPem"] = TestAuth.RsaPublicKeyPem,
            ["DataProtection__KeyRingKey"] = AccountApiFactory.KeyRingKey,
            ["RateLimits__PerAccountPerMinute"] = "1000000",
            ["RateLimits__PerIpPerMinute"] = "1000000",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (stripe is not null)
        {
            environment["Stripe__SecretKey"] = "sk_test_stub";
            environment["Stripe__ApiBase"] = stripe.BaseUrl;
        }

        return environment;
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(System.Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
