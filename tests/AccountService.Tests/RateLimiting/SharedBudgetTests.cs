using System.Net;
using AccountService.Redis;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace AccountService.Tests.RateLimiting;

/// <summary>Two replicas (two apps on real sockets) with one Redis: one budget per account, and none lost when Redis is.</summary>
public sealed class SharedBudgetTests(PostgresFixture database) : IntegrationTest(database)
{
    // 10 s past a minute, on a clock both replicas share, so no test crosses a window.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero));

    [Fact]
    public async Task TwoReplicasSpendOneBudgetPerAccount()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var redis = await RedisServer.StartAsync();
        var (a, clientA) = Replica(redis, limit: 30);
        var (b, clientB) = Replica(redis, limit: 30);
        await using var _ = a;
        await using var __ = b;

        var statuses = new List<HttpStatusCode>();
        var remaining = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            using var response = await SendAsync(i % 2 == 0 ? clientA : clientB, key);
            statuses.Add(response.StatusCode);
            remaining.Add(response.Headers.GetValues("RateLimit").Single());
        }

        Assert.Equal(30, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.All(statuses.Skip(30), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"\"default\";r={29 - i};t=50"), remaining.Take(30));
    }

    [Fact]
    public async Task ConcurrentRequestsOverTwoReplicasNeverGetMoreThanTheLimit()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var redis = await RedisServer.StartAsync();
        var (a, clientA) = Replica(redis, limit: 30);
        var (b, clientB) = Replica(redis, limit: 30);
        await using var _ = a;
        await using var __ = b;

        var admitted = 0;
        var others = 0;
        await Parallel.ForAsync(0, 300, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var response = await SendAsync(i % 2 == 0 ? clientA : clientB, key);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref admitted);
            }
            else if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref others);
            }
        });

        Assert.InRange(admitted, 28, 30);
        Assert.Equal(0, others);
    }

    [Fact]
    public async Task ASpentFailedCredentialBudgetStopsKeyLookupsOnEveryReplica()
    {
        await SeedAccountAsync("acc_1");
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?> { ["RateLimits:PerIpPerMinute"] = "5", [DatabaseStatements.Logged.Key] = DatabaseStatements.Logged.Value };
        var (a, clientA) = Replica(redis, limit: 30, settings);
        var (b, clientB) = Replica(redis, limit: 30, settings);
        await using var _ = a;
        await using var __ = b;
        for (var i = 0; i < 5; i++)
        {
            using var spending = await SendAsync(clientA, $"ok_Guess{i:D3}_abcdefghijklmnopqrstuvwx");
            Assert.Equal(HttpStatusCode.Unauthorized, spending.StatusCode);
        }

        var lookupsBefore = a.Logs.Count(IsKeyLookup) + b.Logs.Count(IsKeyLookup);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200; i++)
        {
            using var response = await SendAsync(i % 2 == 0 ? clientB : clientA, $"ok_Gues{i:D4}_abcdefghijklmnopqrstuvwx");
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.Equal(lookupsBefore, a.Logs.Count(IsKeyLookup) + b.Logs.Count(IsKeyLookup));
        Assert.True(lookupsBefore >= 5, $"{lookupsBefore} key lookups while the budget lasted");

        static bool IsKeyLookup(string line) =>
            DatabaseStatements.Is(line) && line.Contains("api_keys", StringComparison.Ordinal);
    }

    [Fact]
    public async Task KnownCallersCostRedisNoRoundTripPerRequest()
    {
        await using var stripe = await StripeStub.StartAsync();
        var keys = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            await SeedAccountAsync($"acc_{i}", a => a.StripeCustomerId = $"cus_{i}");
            stripe.Customer($"cus_{i}").DefaultCard = new StubCard($"pm_{i}", "visa", "4242", 12, 2030);
            keys.Add(await SeedKeyAsync($"acc_{i}"));
        }

        await using var redis = await RedisServer.StartAsync();
        // On the real clock: the card cache's expiry and tag times need one that moves.
        var (a, clientA) = Replica(redis, limit: 1_000_000, stripe.Settings(), realClock: true);
        var (b, clientB) = Replica(redis, limit: 1_000_000, stripe.Settings(), realClock: true);
        await using var _ = a;
        await using var __ = b;
        foreach (var key in keys)
        {
            foreach (var client in new[] { clientA, clientB })
            {
                (await SendAsync(client, key)).Dispose();
                (await SendAsync(client, key, "/api/account")).Dispose();
            }
        }

        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints().Single());
        var before = await CommandsAsync(server);
        const int requests = 2_000;
        for (var i = 0; i < requests; i++)
        {
            using var response = await SendAsync(i % 2 == 0 ? clientA : clientB, keys[i % keys.Count], i % 4 < 2 ? "/v1/accounts/me" : "/api/account");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The INFO that reads the count is a command too.
        var perRequest = (double)(await CommandsAsync(server) - before - 1) / requests;
        var stats = string.Join(", ", (await server.InfoAsync("commandstats")).SelectMany(g => g).Select(p => $"{p.Key}={p.Value}"));
        Assert.True(perRequest <= 0.01, $"{perRequest:F3} Redis commands per request {stats}");

        static async Task<long> CommandsAsync(StackExchange.Redis.IServer server) =>
            long.Parse(
                (await server.InfoAsync("stats")).SelectMany(g => g).Single(p => p.Key == "total_commands_processed").Value,
                System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task TheFirstRequestsOfAWindowFromManyAccountsShareRedisRoundTrips()
    {
        const int accounts = 200;
        var keys = new List<string>();
        for (var i = 0; i < accounts; i++)
        {
            await SeedAccountAsync($"acc_{i}");
            keys.Add(await SeedKeyAsync($"acc_{i}"));
        }

        await using var redis = await RedisServer.StartAsync();
        var (a, client) = Replica(redis, limit: 300);
        await using var _ = a;
        foreach (var key in keys)
        {
            Assert.Equal("\"default\";r=299;t=50", await RemainingAsync(client, key));
        }

        // A new window: every account's first request in it reserves a slice.
        _clock.Advance(TimeSpan.FromMinutes(1));
        var scriptsBefore = await redis.ScriptsRunAsync();
        var remaining = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (key, ct) =>
            remaining.Add(await RemainingAsync(client, key)));
        var scripts = await redis.ScriptsRunAsync() - scriptsBefore;

        Assert.All(remaining, r => Assert.Equal("\"default\";r=299;t=50", r));
        Assert.True(scripts <= accounts / 2, $"{scripts} reservation scripts for {accounts} accounts' first requests");
    }

    [Fact]
    public async Task WithRedisDownEachReplicaKeepsAnsweringOnItsOwnBudgetAndSharesAgainWhenItIsBack()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var redis = await RedisServer.StartAsync();
        var (a, clientA) = Replica(redis, limit: 10);
        var (b, clientB) = Replica(redis, limit: 10);
        await using var _ = a;
        await using var __ = b;
        Assert.Equal("\"default\";r=9;t=50", await RemainingAsync(clientA, key));
        Assert.Equal("\"default\";r=8;t=50", await RemainingAsync(clientB, key));

        await redis.StopAsync();
        var duringOutage = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await SendAsync(i % 2 == 0 ? clientA : clientB, key);
            duringOutage.Add((response.StatusCode, response.Headers.GetValues("RateLimit").Single()));
        }

        await redis.StartAgainAsync();
        await SharingAgainAsync(a);
        await SharingAgainAsync(b);
        var afterA = await RemainingAsync(clientA, key);
        var afterB = await RemainingAsync(clientB, key);

        // During the outage each replica counts alone (its own 10), and nothing fails.
        Assert.All(duringOutage, r => Assert.Equal(HttpStatusCode.OK, r.Item1));
        Assert.Equal(
            [9, 9, 8, 8, 7, 7],
            duringOutage.Select(r => int.Parse(r.Item2.Split(';')[1][2..], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Single(a.Logs, l => l.Contains("Redis unavailable", StringComparison.Ordinal));

        // The restarted Redis starts the window's count afresh, and both replicas spend from it again.
        Assert.Equal(("\"default\";r=9;t=50", "\"default\";r=8;t=50"), (afterA, afterB));
    }

    private (AccountApiFactory Factory, HttpClient Client) Replica(RedisServer redis, int limit, Dictionary<string, string?>? more = null, bool realClock = false)
    {
        var settings = new Dictionary<string, string?>(more ?? [])
        {
            ["RateLimits:PerAccountPerMinute"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var factory = new AccountApiFactory(Database.ConnectionString, settings, clock: realClock ? null : _clock, redis: redis);
        return (factory, factory.StartKestrel());
    }

    private static Task SharingAgainAsync(AccountApiFactory replica)
    {
        var redis = replica.Services.GetRequiredService<SharedRedis>();
        return Signals.WaitUntilAsync(() => redis.Database is not null, TimeSpan.FromSeconds(15), "the replica is connected to Redis again");
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string key, string path = "/v1/accounts/me") =>
        client.SendAsync(AuthenticationTests.Request($"Bearer {key}", path));

    private static async Task<string> RemainingAsync(HttpClient client, string key)
    {
        using var response = await SendAsync(client, key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("RateLimit").Single();
    }
}
