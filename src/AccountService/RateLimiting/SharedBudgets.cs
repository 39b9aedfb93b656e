using System.Collections.Concurrent;
using AccountService.Redis;
using StackExchange.Redis;

namespace AccountService.RateLimiting;

/// <summary>
/// Budgets every replica spends from together, counted in Redis without a round trip per request: a replica reserves
/// a slice of a partition's budget in one atomic step and admits requests from it in memory. A slice is a sixteenth of
/// what is still unreserved, so slices shrink as the budget runs down and the last requests of a window are reserved one
/// at a time: however the replicas interleave, no more than the limit is ever admitted, and near the limit every
/// decision is exact. What a replica reserved but has not used when the window ends is not admitted anywhere.
/// Returns null while Redis is not to be used; the caller then counts on this replica alone.
/// </summary>
internal sealed class SharedBudgets(SharedRedis redis)
{
    /// <summary>Each reservation takes this fraction (1/n) of what is still unreserved in the window, at least one.</summary>
    internal const int SliceDivisor = 16;

    // KEYS[1] the window's counter of reserved requests; ARGV: wanted, limit, ttl (ms). Returns {granted, reserved}.
    private const string Reserve = """
        local reserved = tonumber(redis.call('GET', KEYS[1]) or '0')
        local grant = math.min(tonumber(ARGV[1]), tonumber(ARGV[2]) - reserved)
        if grant <= 0 then return {0, reserved} end
        reserved = redis.call('INCRBY', KEYS[1], grant)
        if reserved == grant then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
        return {grant, reserved}
        """;

    // A counter outlives its window a little, for replicas whose clocks run a little behind.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Slice> _slices = new(StringComparer.Ordinal);
    private long _sweptWindow = -1;

    /// <summary>
    /// One request from the partition's shared budget in <paramref name="window"/>: from this replica's slice when it
    /// has one, else from a new slice reserved in Redis. Null when Redis is not to be used now.
    /// </summary>
    public async ValueTask<SharedLease?> AcquireAsync(string partition, int limit, long window, TimeSpan length)
    {
        if (window > Interlocked.Read(ref _sweptWindow) && Interlocked.Exchange(ref _sweptWindow, window) < window)
        {
            _ = Task.Run(() => Forget(window));
        }

        var slice = _slices.GetOrAdd(partition, static _ => new Slice());
        lock (slice)
        {
            slice.Enter(window);
            if (slice.TryTake(limit) is { } lease)
            {
                return lease;
            }
        }

        if (redis.Database is not { } db)
        {
            return null;
        }

        long wanted;
        lock (slice)
        {
            wanted = Math.Max(1, (limit - slice.Reserved) / SliceDivisor);
        }

        RedisResult[] result;
        try
        {
            var ttl = (long)(length + Grace).TotalMilliseconds;
            result = (RedisResult[])(await db.ScriptEvaluateAsync(Reserve, [Key(partition, window)], [wanted, limit, ttl]))!;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            redis.Failed(ex);
            return null;
        }

        lock (slice)
        {
            slice.Enter(window);
            return slice.Add(window, (long)result[0], (long)result[1], limit);
        }
    }

    /// <summary>
    /// Whether the partition's budget is spent in <paramref name="window"/> on every replica: known here once a
    /// reservation was refused, else asked of Redis (one read). Null when Redis is not to be used now.
    /// </summary>
    public async ValueTask<bool?> IsSpentAsync(string partition, int limit, long window)
    {
        if (_slices.TryGetValue(partition, out var slice))
        {
            lock (slice)
            {
                slice.Enter(window);
                if (slice.Spent)
                {
                    return true;
                }

                if (slice.Unused > 0)
                {
                    return false;
                }
            }
        }

        if (redis.Database is not { } db)
        {
            return null;
        }

        try
        {
            var value = await db.StringGetAsync(Key(partition, window));
            return !value.IsNull && (long)value >= limit;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            redis.Failed(ex);
            return null;
        }
    }

    /// <summary>Forgets the slices of windows that have passed (once a window, off the request path).</summary>
    private void Forget(long currentWindow)
    {
        foreach (var (partition, slice) in _slices)
        {
            lock (slice)
            {
                if (slice.Window >= currentWindow)
                {
                    continue;
                }
            }

            _slices.TryRemove(new KeyValuePair<string, Slice>(partition, slice));
        }
    }

    private static RedisKey Key(string partition, long window) => $"ratelimit:{partition}:{window}";

    /// <summary>This replica's part of one partition's window. Guarded by its own lock.</summary>
    private sealed class Slice
    {
        public long Window { get; private set; } = -1;

        /// <summary>Requests reserved in Redis by all replicas, as last seen here.</summary>
        public long Reserved { get; private set; }

        /// <summary>Requests reserved by this replica and not yet admitted.</summary>
        public long Unused { get; private set; }

        /// <summary>Redis refused a reservation: nothing is left in this window.</summary>
        public bool Spent { get; private set; }

        public void Enter(long window)
        {
            if (window > Window)
            {
                (Window, Reserved, Unused, Spent) = (window, 0, 0, false);
            }
        }

        public SharedLease? TryTake(int limit)
        {
            if (Unused > 0)
            {
                Unused--;
                return new SharedLease(true, Remaining(limit));
            }

            return Spent ? new SharedLease(false, 0) : null;
        }

        public SharedLease Add(long window, long granted, long reserved, int limit)
        {
            if (window != Window)
            {
                // The reservation was for a window that has passed here meanwhile: it no longer counts.
                return new SharedLease(false, 0);
            }

            Reserved = Math.Max(Reserved, reserved);
            if (granted <= 0)
            {
                Spent = Unused == 0;
                return TryTake(limit) ?? new SharedLease(false, 0);
            }

            Unused += granted;
            return TryTake(limit)!.Value;
        }

        // What is left for callers of this replica: the unreserved part of the budget as last seen, and its own slice.
        private int Remaining(int limit) => (int)Math.Max(0, limit - Reserved + Unused);
    }
}

/// <summary>One request's answer from a shared budget: admitted or not, and what remains of the window's budget.</summary>
internal readonly record struct SharedLease(bool Acquired, int Remaining);
