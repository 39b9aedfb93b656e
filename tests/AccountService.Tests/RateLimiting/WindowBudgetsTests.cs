using AccountService.RateLimiting;
using AccountService.Redis;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AccountService.Tests.RateLimiting;

/// <summary>The budgets table counting on one replica (no Redis): the shared budgets have tests of their own.</summary>
public sealed class WindowBudgetsTests
{
    private static readonly BudgetPartition Account = new("account", "acc_1");

    private readonly WallClock _time = new() { Now = new DateTimeOffset(2026, 12, 1, 12, 0, 15, TimeSpan.Zero) };

    [Fact]
    public async Task AWindowAdmitsItsLimitThenRefusesUntilTheMinuteEnds()
    {
        var budgets = Budgets();

        var leases = new List<WindowLease>();
        for (var i = 0; i < 4; i++)
        {
            leases.Add(await budgets.AcquireAsync(Account, 3));
        }

        Assert.Equal([true, true, true, false], leases.Select(lease => lease.IsAcquired));
        Assert.Equal([2, 1, 0, 0], leases.Select(lease => lease.Remaining));
        Assert.All(leases, lease => Assert.Equal(TimeSpan.FromSeconds(45), lease.ResetsIn));
        Assert.True(await budgets.IsSpentAsync(Account, 3));
        Assert.False(await budgets.IsSpentAsync(Account with { Id = "acc_2" }, 3));

        _time.Now = _time.Now.AddSeconds(45);
        Assert.True((await budgets.AcquireAsync(Account, 3)).IsAcquired);
        Assert.False(await budgets.IsSpentAsync(Account, 3));
    }

    [Fact]
    public async Task AClockSteppedBackAcrossAMinuteBoundaryDoesNotStartAFreshWindow()
    {
        var budgets = Budgets();
        _time.Now = new DateTimeOffset(2026, 12, 1, 12, 0, 1, TimeSpan.Zero);
        Assert.True((await budgets.AcquireAsync(Account, 2)).IsAcquired);
        Assert.True((await budgets.AcquireAsync(Account, 2)).IsAcquired);

        _time.Now = new DateTimeOffset(2026, 12, 1, 11, 59, 59, TimeSpan.Zero);
        var afterStepBack = await budgets.AcquireAsync(Account, 2);
        _time.Now = new DateTimeOffset(2026, 12, 1, 12, 1, 0, TimeSpan.Zero);
        var nextMinute = await budgets.AcquireAsync(Account, 2);

        Assert.False(afterStepBack.IsAcquired);
        Assert.True(nextMinute.IsAcquired);
    }

    [Fact]
    public async Task PartitionsOfAPassedWindowAreForgottenOnceTheNextOneBegins()
    {
        // The first request also starts a sweep (of the windows before it), which walks the table while the loop
        // adds to it: none of the partitions added meanwhile may be lost, or its count would start again.
        var budgets = Budgets();
        for (var i = 0; i < 10_000; i++)
        {
            await budgets.AcquireAsync(new BudgetPartition("account", $"acc_{i}"), 300);
        }

        Assert.Equal(10_000, budgets.Count);

        _time.Now = _time.Now.AddMinutes(1);
        await budgets.AcquireAsync(Account, 300);

        await Signals.WaitUntilAsync(() => budgets.Count == 1, TimeSpan.FromSeconds(10), "the last window's partitions to be forgotten", () => $"{budgets.Count} held");
        Assert.Equal(298, (await budgets.AcquireAsync(Account, 300)).Remaining);
    }

    private WindowBudgets Budgets() =>
        new(new SharedRedis(Options.Create(new RedisOptions()), NullLogger<SharedRedis>.Instance), _time);

    /// <summary>A wall clock that can be stepped either way, as NTP or an operator may step a real one.</summary>
    private sealed class WallClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
