using System.Globalization;
using AccountService.RateLimiting;
using AccountService.Redis;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AccountService.Tests.RateLimiting;

/// <summary>Budgets shared through a real Redis, asked directly: reservations go many to a round trip, and never over.</summary>
public sealed class SharedReservationsTests
{
    // 10 s past a minute, so no test crosses a window.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero));

    [Fact]
    public async Task ConcurrentFirstRequestsOfManyPartitionsReserveTogether()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var shared = await ConnectAsync(redis);
        var budgets = new WindowBudgets(shared, _clock);
        var before = await redis.ScriptsRunAsync();

        const int partitions = 1_000;
        var leases = await Task.WhenAll(
            Enumerable.Range(0, partitions).Select(i => budgets.AcquireAsync(new BudgetPartition("account", $"acc_{i}"), 300).AsTask()));
        var scripts = await redis.ScriptsRunAsync() - before;

        Assert.All(leases, lease => Assert.True(lease.IsAcquired));
        Assert.All(leases, lease => Assert.Equal(299, lease.Remaining));
        // One script per partition without batches; a batch holds at most SharedReservations.MaxBatch of them.
        Assert.InRange(scripts, partitions / SharedReservations.MaxBatch, partitions / 10);
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.Equal(300 / WindowBudgets.SliceDivisor, (long)await client.GetDatabase().StringGetAsync("ratelimit:account:acc_999:" + Window()));
    }

    [Fact]
    public async Task ABurstOfOneAccountOnOneReplicaIsAdmittedWithRemainingFallingByOneEach()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var shared = await ConnectAsync(redis);
        var budgets = new WindowBudgets(shared, _clock);
        var partition = new BudgetPartition("account", "acc_1");

        // Requests that arrive together find nothing reserved, and each asks for a slice in the same script.
        var leases = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => budgets.AcquireAsync(partition, 300).AsTask()));

        Assert.All(leases, lease => Assert.True(lease.IsAcquired));
        Assert.Equal(Enumerable.Range(200, 100).Reverse(), leases.Select(lease => lease.Remaining).OrderDescending());
    }

    [Fact]
    public async Task OnARedisClusterEachScriptHoldsOneKeyAndNothingFails()
    {
        await using var redis = await RedisServer.StartClusterAsync();
        await using var shared = await ConnectAsync(redis);
        Assert.True(shared.IsCluster);
        var budgets = new WindowBudgets(shared, _clock);
        var before = await redis.ScriptsRunAsync();

        const int partitions = 200;
        var leases = await Task.WhenAll(
            Enumerable.Range(0, partitions).Select(i => budgets.AcquireAsync(new BudgetPartition("account", $"acc_{i}"), 300).AsTask()));
        var spent = await Task.WhenAll(
            Enumerable.Range(0, partitions).Select(i => budgets.IsSpentAsync(new BudgetPartition("ip", $"10.0.0.{i}"), 5).AsTask()));

        // Shared, not counted alone: each reservation is in Redis, one script each.
        Assert.All(leases, lease => Assert.Equal(299, lease.Remaining));
        Assert.All(spent, Assert.False);
        Assert.Equal(2 * partitions, await redis.ScriptsRunAsync() - before);
        Assert.NotNull(shared.Database);
    }

    [Fact]
    public async Task ConcurrentRequestsOfOnePartitionOnTwoReplicasGetExactlyTheLimit()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var sharedA = await ConnectAsync(redis);
        await using var sharedB = await ConnectAsync(redis);
        var replicas = new[] { new WindowBudgets(sharedA, _clock), new WindowBudgets(sharedB, _clock) };
        var partition = new BudgetPartition("account", "acc_1");

        // Requests of one partition in one batch each reserve on their own; the last ones find nothing left.
        var leases = await Task.WhenAll(
            Enumerable.Range(0, 300).Select(i => replicas[i % 2].AcquireAsync(partition, 30).AsTask()));

        Assert.Equal(30, leases.Count(lease => lease.IsAcquired));
        Assert.All(leases.Where(lease => !lease.IsAcquired), lease => Assert.Equal(0, lease.Remaining));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.Equal(30, (long)await admin.GetDatabase().StringGetAsync("ratelimit:account:acc_1:" + Window()));
        Assert.True(await replicas[0].IsSpentAsync(partition, 30));
        Assert.True(await replicas[1].IsSpentAsync(partition, 30));

        // A replica that has not seen the partition reads the shared count, many reads to a round trip.
        var third = new WindowBudgets(sharedA, _clock);
        var before = await redis.ScriptsRunAsync();
        var spent = await Task.WhenAll(
            Enumerable.Range(0, 200).Select(i => third.IsSpentAsync(i == 0 ? partition : partition with { Id = $"other_{i}" }, 30).AsTask()));
        Assert.Equal([true, .. Enumerable.Repeat(false, 199)], spent);
        Assert.InRange(await redis.ScriptsRunAsync() - before, 1, 20);
        Assert.Equal(0, third.Count);
    }

    private string Window() =>
        (_clock.GetUtcNow().UtcTicks / RateLimitOptions.Window.Ticks).ToString(CultureInfo.InvariantCulture);

    private static async Task<SharedRedis> ConnectAsync(RedisServer redis)
    {
        var shared = new SharedRedis(
            Options.Create(new RedisOptions { ConnectionString = redis.ConnectionString }), NullLogger<SharedRedis>.Instance);
        await shared.StartAsync(CancellationToken.None);
        return shared;
    }
}
