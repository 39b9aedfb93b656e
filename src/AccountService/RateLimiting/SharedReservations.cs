using AccountService.Redis;
using StackExchange.Redis;

namespace AccountService.RateLimiting;

/// <summary>
/// Reserves slices of shared budgets in Redis for <see cref="WindowBudgets"/>, and reads what is reserved, many
/// partitions to a round trip. A request asked for while none is in flight is sent at once; those asked for meanwhile
/// wait for it and go together in the next one, at most <see cref="MaxBatch"/> to a script. With many callers, when
/// each one's first request in a window needs a reservation, that is one round trip for many requests, not one each;
/// alone, a request waits for nothing but its own round trip.
/// </summary>
internal sealed class SharedReservations(SharedRedis redis)
{
    /// <summary>Partitions reserved by one script at most: Redis runs a script alone, so a batch is kept short.</summary>
    internal const int MaxBatch = 64;

    // A counter outlives its window a little, for replicas whose clocks run a little behind.
    private static readonly long TtlMilliseconds = (long)(RateLimitOptions.Window + TimeSpan.FromSeconds(10)).TotalMilliseconds;

    // KEYS: each partition's counter of reserved requests in its window. ARGV[1]: the counters' ttl (ms); then, for
    // each key in turn, the requests wanted (0 to read the counter only) and the limit. Returns, for each key in turn,
    // what was granted and what is then reserved in all. What would go past the limit is handed back at once, so
    // nothing over it stays reserved.
    private const string Reserve = """
        local out = {}
        for i, key in ipairs(KEYS) do
          local wanted = tonumber(ARGV[2 * i])
          local limit = tonumber(ARGV[2 * i + 1])
          local reserved = wanted
          if wanted == 0 then
            reserved = tonumber(redis.call('GET', key) or '0')
          elseif not redis.call('SET', key, wanted, 'PX', ARGV[1], 'NX') then
            reserved = redis.call('INCRBY', key, wanted)
            if reserved > limit then
              local back = math.min(reserved - limit, wanted)
              reserved = redis.call('DECRBY', key, back)
              wanted = wanted - back
            end
          end
          out[2 * i - 1] = wanted
          out[2 * i] = reserved
        end
        return out
        """;

    private readonly Lock _gate = new();
    private List<Pending> _queued = [];
    private bool _sending;

    /// <summary>
    /// Reserves up to <paramref name="wanted"/> requests of <paramref name="limit"/> under <paramref name="counter"/>;
    /// null when Redis is not to be used now (the caller then counts on its own). <paramref name="onReply"/> is called
    /// with the reply before the request goes on, for each request in the order Redis granted them.
    /// </summary>
    public Task<Reservation?> ReserveAsync(RedisKey counter, long wanted, int limit, Action<Reservation>? onReply = null)
    {
        var pending = new Pending(counter, wanted, limit, onReply);
        bool send;
        lock (_gate)
        {
            _queued.Add(pending);
            send = !_sending;
            _sending = true;
        }

        if (send)
        {
            // The loop outlives this request: it does not carry the request's context (its trace, its log scope).
            using (ExecutionContext.SuppressFlow())
            {
                _ = SendAsync();
            }
        }

        return pending.Result.Task;
    }

    /// <summary>What is reserved under <paramref name="counter"/> in all; null when Redis is not to be used now.</summary>
    public async Task<long?> ReadAsync(RedisKey counter) =>
        (await ReserveAsync(counter, wanted: 0, limit: 0))?.Reserved;

    /// <summary>Sends what is queued, batch after batch, until nothing is.</summary>
    private async Task SendAsync()
    {
        while (true)
        {
            List<Pending> batch;
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _sending = false;
                    return;
                }

                batch = _queued;
                _queued = [];
            }

            // A Redis Cluster refuses a script whose keys are in different hash slots: there, one key to a script.
            var size = redis.IsCluster ? 1 : MaxBatch;
            // One script after another, so that replies are applied in the order Redis granted them.
            for (var start = 0; start < batch.Count; start += size)
            {
                await SendAsync(batch.GetRange(start, Math.Min(size, batch.Count - start)));
            }
        }
    }

    /// <summary>
    /// Sends one script for <paramref name="batch"/> and answers each of its requests. It never throws: whatever goes
    /// wrong, its requests are answered "count alone" (never an error for the caller), and the loop that sends goes on
    /// for those queued after it.
    /// </summary>
    private async Task SendAsync(List<Pending> batch)
    {
        try
        {
            if (redis.Database is not { } db)
            {
                return;
            }

            var keys = new RedisKey[batch.Count];
            var values = new RedisValue[1 + (2 * batch.Count)];
            values[0] = TtlMilliseconds;
            for (var i = 0; i < batch.Count; i++)
            {
                keys[i] = batch[i].Counter;
                values[1 + (2 * i)] = batch[i].Wanted;
                values[2 + (2 * i)] = batch[i].Limit;
            }

            var result = (RedisResult[])(await db.ScriptEvaluateAsync(Reserve, keys, values))!;
            for (var i = 0; i < batch.Count; i++)
            {
                var reservation = new Reservation((long)result[2 * i], (long)result[(2 * i) + 1]);
                batch[i].OnReply?.Invoke(reservation);
                batch[i].Result.TrySetResult(reservation);
            }
        }
        catch (Exception ex)
        {
            redis.Failed(ex);
        }
        finally
        {
            // Those answered above keep their answer; the rest count alone.
            batch.ForEach(pending => pending.Result.TrySetResult(null));
        }
    }

    private sealed record Pending(RedisKey Counter, long Wanted, int Limit, Action<Reservation>? OnReply)
    {
        // Completed off the sending loop: a request goes on on a thread of its own, not one after another on this one.
        public TaskCompletionSource<Reservation?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>What one reservation got: <see cref="Granted"/> requests, and <see cref="Reserved"/> in all then.</summary>
internal readonly record struct Reservation(long Granted, long Reserved);
