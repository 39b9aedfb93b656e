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

    private (AccountApiFactory Factory, HttpClient Client) Replica(RedisServer redis, int limit)
    {
        var settings = new Dictionary<string, string?>(TestAuth.JwtSettings())
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["RateLimits:PerAccountPerMinute"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var factory = new AccountApiFactory(Database.ConnectionString, settings, services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)));
        return (factory, factory.StartKestrel());
    }

    private static async Task SharingAgainAsync(AccountApiFactory replica)
    {
        var redis = replica.Services.GetRequiredService<SharedRedis>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (redis.Database is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the replica did not reconnect to Redis within 15 s");
            await Task.Delay(50);
        }
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string key) =>
        client.SendAsync(AuthenticationTests.Request($"Bearer {key}"));

    private static async Task<string> RemainingAsync(HttpClient client, string key)
    {
        using var response = await SendAsync(client, key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("RateLimit").Single();
    }
}
