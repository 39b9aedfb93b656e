using AccountService.RateLimiting;

namespace AccountService.Tests.RateLimiting;

public sealed class AlignedWindowRateLimiterTests
{
    [Fact]
    public void AClockSteppedBackAcrossAMinuteBoundaryDoesNotStartAFreshWindow()
    {
        var time = new WallClock { Now = new DateTimeOffset(2026, 12, 1, 12, 0, 1, TimeSpan.Zero) };
        using var limiter = new AlignedWindowRateLimiter(2, TimeSpan.FromMinutes(1), time);
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.True(limiter.AttemptAcquire().IsAcquired);

        time.Now = new DateTimeOffset(2026, 12, 1, 11, 59, 59, TimeSpan.Zero);
        using var afterStepBack = limiter.AttemptAcquire();
        time.Now = new DateTimeOffset(2026, 12, 1, 12, 1, 0, TimeSpan.Zero);
        using var nextMinute = limiter.AttemptAcquire();

        Assert.False(afterStepBack.IsAcquired);
        Assert.True(nextMinute.IsAcquired);
    }

    /// <summary>A wall clock that can be stepped either way, as NTP or an operator may step a real one.</summary>
    private sealed class WallClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
