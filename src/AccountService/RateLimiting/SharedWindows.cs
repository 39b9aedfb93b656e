using AccountService.Redis;
using StackExchange.Redis;

namespace AccountService.RateLimiting;

/// <summary>
/// Clock-aligned fixed windows counted in Redis, so every replica spends from one budget: one counter per partition
/// and window, incremented and given its expiry by one script (atomic, one round trip). Returns null when Redis is not
/// to be used now; the caller then counts on this replica.
/// </summary>
internal sealed class SharedWindows(SharedRedis redis)
{
    private const string Increment = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    // A counter outlives its window a little, for replicas whose clocks run a little behind.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    public bool Configured => redis.Configured;

    /// <summary>Counts one request in the window; the count including it, or null to count locally.</summary>
    public async ValueTask<long?> IncrementAsync(string partition, long window, TimeSpan length)
    {
        if (redis.Database is not { } db)
        {
            return null;
        }

        try
        {
            var ttl = (long)(length + Grace).TotalMilliseconds;
            return (long)await db.ScriptEvaluateAsync(Increment, [Key(partition, window)], [ttl]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            redis.Failed(ex);
            return null;
        }
    }

    /// <summary>The requests counted in the window so far, or null to ask this replica.</summary>
    public async ValueTask<long?> CountAsync(string partition, long window)
    {
        if (redis.Database is not { } db)
        {
            return null;
        }

        try
        {
            var value = await db.StringGetAsync(Key(partition, window));
            return value.IsNull ? 0 : (long)value;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            redis.Failed(ex);
            return null;
        }
    }

    private static RedisKey Key(string partition, long window) => $"ratelimit:{partition}:{window}";
}
