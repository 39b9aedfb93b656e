using System.Threading.RateLimiting;

namespace AccountService.RateLimiting;

/// <summary>
/// A fixed-window limiter whose windows are aligned to the clock (every minute on the minute), so each lease can say
/// how many permits remain and when the window resets: what the IETF RateLimit headers report. No queueing.
/// </summary>
internal sealed class AlignedWindowRateLimiter(int permitLimit, TimeSpan window, TimeProvider time) : RateLimiter
{
    private readonly Lock _gate = new();
    private readonly long _windowTicks = window.Ticks;
    private long _windowIndex = -1;
    private int _used;
    private long _lastActivity = time.GetTimestamp();

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                // Idle once the window it counted has passed: nothing it holds matters any more.
                return CurrentWindow(time.GetUtcNow()) > _windowIndex ? time.GetElapsedTime(_lastActivity) : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            var fresh = CurrentWindow(time.GetUtcNow()) > _windowIndex;
            return new RateLimiterStatistics { CurrentAvailablePermits = fresh ? permitLimit : permitLimit - _used };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        var now = time.GetUtcNow();
        var index = CurrentWindow(now);
        lock (_gate)
        {
            // Only a later window starts afresh: a clock stepped back stays in the window it counted, so it cannot
            // hand out a second budget for the same minute.
            if (index > _windowIndex)
            {
                _windowIndex = index;
                _used = 0;
            }

            var resetsIn = TimeSpan.FromTicks(Math.Max(0, ((_windowIndex + 1) * _windowTicks) - now.UtcTicks));

            _lastActivity = time.GetTimestamp();
            if (_used + permitCount > permitLimit)
            {
                return new WindowLease(false, permitLimit, permitLimit - _used, resetsIn);
            }

            _used += permitCount;
            return new WindowLease(true, permitLimit, permitLimit - _used, resetsIn);
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private long CurrentWindow(DateTimeOffset now) => now.UtcTicks / _windowTicks;
}

/// <summary>A lease that knows the window's quota, what is left of it after this request, and when it resets.</summary>
internal sealed class WindowLease(bool acquired, int limit, int remaining, TimeSpan resetsIn) : RateLimitLease
{
    public override bool IsAcquired => acquired;

    public int Limit => limit;

    public int Remaining => remaining;

    public TimeSpan ResetsIn => resetsIn;

    public override IEnumerable<string> MetadataNames => acquired ? [] : [MetadataName.RetryAfter.Name];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (!acquired && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = resetsIn;
            return true;
        }

        metadata = null;
        return false;
    }
}
