using System.Globalization;
using System.Net;
using AccountService.Tests.Auth;
using AccountService.Tests.Deployment;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.RateLimiting;

/// <summary>
/// Two replicas as separate processes, each with its own host name and process id, sharing one Redis and one database:
/// one account budget between them. (The in-process replicas of <see cref="SharedBudgetTests"/> share a process, so a
/// budget that depended on the process or the host would still look shared there.)
/// </summary>
public sealed class SharedBudgetProcessTests(PostgresFixture database) : IntegrationTest(database)
{
    private const int Limit = 10;

    // The service as built beside the tests, run as its own process (no publish step needed).
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "AccountService.dll");

    [Fact]
    public async Task ReplicasInSeparateProcessesSpendOneBudgetPerAccount()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var redis = await RedisServer.StartAsync();
        await using var a = ServiceProcess.Start(Dll, Environment(redis, "replica-a"));
        await using var b = ServiceProcess.Start(Dll, Environment(redis, "replica-b"));
        using var clientA = new HttpClient { BaseAddress = a.BaseAddress };
        using var clientB = new HttpClient { BaseAddress = b.BaseAddress };
        await SharingAsync(clientA, a);
        await SharingAsync(clientB, b);

        // Windows are clock minutes: start with at least 25 s of this one left, so all requests fall in one window.
        // A timer can fire a little before the wall clock reaches the minute, so wait on the clock itself.
        await Signals.WaitUntilAsync(() => DateTimeOffset.UtcNow.Second <= 35, TimeSpan.FromSeconds(30), "at least 25 s of the minute are left");

        var started = DateTimeOffset.UtcNow;
        var statuses = new List<(char Replica, HttpStatusCode Status)>();
        for (var i = 0; i < 3 * Limit; i++)
        {
            var (name, client) = i % 2 == 0 ? ('a', clientA) : ('b', clientB);
            using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {key}"));
            statuses.Add((name, response.StatusCode));
        }

        var finished = DateTimeOffset.UtcNow;
        Assert.True(started.Minute == finished.Minute, $"the requests crossed a window ({started:O} to {finished:O})");
        var summary = string.Join(' ', statuses.Select(s => $"{s.Replica}{(int)s.Status}"));
        Assert.True(statuses.All(s => s.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests), summary);
        Assert.True(statuses.Count(s => s.Status == HttpStatusCode.OK) == Limit, $"admitted {statuses.Count(s => s.Status == HttpStatusCode.OK)} of a budget of {Limit}: {summary}");
        Assert.All(statuses.Skip(Limit), s => Assert.Equal(HttpStatusCode.TooManyRequests, s.Status));
        Assert.Contains(statuses.Take(Limit), s => s.Replica == 'b');
    }

    private Dictionary<string, string> Environment(RedisServer redis, string hostName) => new()
    {
        ["ConnectionStrings__Accounts"] = Database.ConnectionString,
        ["ConnectionStrings__Redis"] = redis.ConnectionString,
        ["RateLimits__PerAccountPerMinute"] = Limit.ToString(CultureInfo.InvariantCulture),
        ["RateLimits__PerIpPerMinute"] = "100000",
        ["HOSTNAME"] = hostName,
    };

    // Until the replica reports Redis healthy: before it has connected it would count on its own budget.
    private static Task SharingAsync(HttpClient client, ServiceProcess replica) =>
        Signals.WaitUntilAsync(
            async () =>
            {
                try
                {
                    return (await client.GetStringAsync("/health/ready")).Contains("\"redis\":\"Healthy\"", StringComparison.Ordinal);
                }
                catch (HttpRequestException)
                {
                    Assert.False(replica.HasExited, string.Join('\n', replica.Lines));
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "the replica is up and connected to Redis");
}
