using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AccountService.Redis;
using StackExchange.Redis;

namespace AccountService.RateLimiting;

/// <summary>
/// Every partition's budget (an account's, a client IP's) in the current window: one entry per partition seen in the
/// window, forgotten once the window has passed (one sweep a window, off the request path). Windows are aligned to the
/// clock, every minute on the minute, so each answer can say what remains and when the window resets.
/// <para>
/// The entries are plain values in tables that keep their room from one window to the next (<see cref="StripeCount"/>
/// of them, each under its own lock), not an object per partition: with a hundred thousand callers a minute, a new
/// object for each of them every minute would be that many more for the garbage collector to trace, promote and
/// free.
/// </para>
/// <para>
/// With Redis, every replica spends from one budget without a round trip per request: a replica reserves a slice of
/// the partition's budget in one atomic step and admits requests from it in memory. A slice is a sixteenth of what is
/// still unreserved, so slices shrink as the budget runs down and the last requests of a window are reserved one at a
/// time: however the replicas interleave, no more than the limit is ever admitted, and near the limit every decision
/// is exact. What a replica reserved but has not used when the window ends is not admitted anywhere. Reservations go
/// to Redis together, many partitions to a round trip (<see cref="SharedReservations"/>): with many callers, each
/// one's first request in a window reserves. While Redis is not to be used, the replica counts the partition's budget
/// on its own.
/// </para>
/// </summary>
internal sealed class WindowBudgets(SharedRedis redis, TimeProvider time)
{
    /// <summary>Each reservation takes this fraction (1/n) of what is still unreserved in the window, at least one.</summary>
    internal const int SliceDivisor = 16;

    private static readonly long WindowTicks = RateLimitOptions.Window.Ticks;

    // Tables the partitions are spread over by their hash; a request holds one table's lock for a few steps.
    private const int StripeCount = 64;

    private readonly SharedReservations _reservations = new(redis);
    private readonly Stripe[] _stripes = [.. Enumerable.Range(0, StripeCount).Select(_ => new Stripe())];
    private long _sweptWindow = -1;

    /// <summary>Partitions held now: those seen in the current window, and in the last until it is swept.</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var stripe in _stripes)
            {
                lock (stripe.Gate)
                {
                    count += stripe.Budgets.Count;
                }
            }

            return count;
        }
    }

    /// <summary>One request from the partition's budget in the current window.</summary>
    public async ValueTask<WindowLease> AcquireAsync(BudgetPartition partition, int limit)
    {
        var now = time.GetUtcNow().UtcTicks;
        var window = now / WindowTicks;
        SweepOnce(window);

        var stripe = StripeOf(partition);
        var shared = redis.Database is not null;
        long wanted;
        lock (stripe.Gate)
        {
            ref var budget = ref stripe.Enter(partition, window);
            if (budget.TryTakeReserved())
            {
                return budget.Lease(true, limit, now);
            }

            if (budget.Spent)
            {
                return budget.Lease(false, limit, now);
            }

            if (!shared)
            {
                // Counted on this replica alone: decided here, under the lock already held.
                return budget.Lease(budget.TryTakeLocal(limit), limit, now);
            }

            wanted = Math.Max(1, (limit - budget.Reserved) / SliceDivisor);
        }

        if (await ReserveAsync(partition, stripe, wanted, limit, window, now) is { } reserved)
        {
            return reserved;
        }

        // Redis failed just now: this replica counts alone.
        lock (stripe.Gate)
        {
            ref var budget = ref stripe.Enter(partition, window);
            return budget.Lease(budget.TryTakeLocal(limit), limit, now);
        }
    }

    /// <summary>
    /// Whether the partition's budget is spent in the current window: on every replica while Redis is used (known
    /// here once a reservation was refused, else one read, sent with other requests' reads and reservations), else on
    /// this replica. Nothing is added to the table.
    /// </summary>
    public async ValueTask<bool> IsSpentAsync(BudgetPartition partition, int limit)
    {
        var window = time.GetUtcNow().UtcTicks / WindowTicks;
        var stripe = StripeOf(partition);
        var held = false;
        lock (stripe.Gate)
        {
            ref var budget = ref CollectionsMarshal.GetValueRefOrNullRef(stripe.Budgets, partition);
            if (!Unsafe.IsNullRef(ref budget))
            {
                budget.Enter(window);
                if (budget.Spent)
                {
                    return true;
                }

                if (budget.Unused > 0)
                {
                    return false;
                }

                held = true;
            }
        }

        if (redis.Database is not null && await _reservations.ReadAsync(RedisKey(partition, window)) is { } reserved)
        {
            return reserved >= limit;
        }

        if (!held)
        {
            return false;
        }

        lock (stripe.Gate)
        {
            ref var budget = ref CollectionsMarshal.GetValueRefOrNullRef(stripe.Budgets, partition);
            return !Unsafe.IsNullRef(ref budget) && budget.Used >= limit;
        }
    }

    /// <summary>
    /// Reserves <paramref name="wanted"/> requests of the shared budget in Redis and takes one request from them; null
    /// when Redis is not to be used now.
    /// </summary>
    private async ValueTask<WindowLease?> ReserveAsync(
        BudgetPartition partition, Stripe stripe, long wanted, int limit, long window, long nowTicks)
    {
        // The reply is added to the budget in the order Redis granted it, before this request goes on: when several
        // requests of one partition reserve in one script, their slices are added one after another, so none is refused,
        // or told less remains, while a slice granted before its own is still on its way.
        WindowLease lease = default;
        var reservation = await _reservations.ReserveAsync(RedisKey(partition, window), wanted, limit, reply =>
        {
            lock (stripe.Gate)
            {
                ref var budget = ref stripe.Enter(partition, window);
                lease = budget.Lease(budget.AddReserved(window, reply.Granted, reply.Reserved), limit, nowTicks);
            }
        });
        return reservation is null ? null : lease;
    }

    /// <summary>Starts forgetting the windows that have passed, once per window: the first request of a window does.</summary>
    private void SweepOnce(long window)
    {
        if (window > Interlocked.Read(ref _sweptWindow) && Interlocked.Exchange(ref _sweptWindow, window) < window)
        {
            _ = Task.Run(() => Forget(window));
        }
    }

    private void Forget(long currentWindow)
    {
        foreach (var stripe in _stripes)
        {
            lock (stripe.Gate)
            {
                stripe.Forget(currentWindow);
            }
        }
    }

    private Stripe StripeOf(BudgetPartition partition) => _stripes[(uint)partition.GetHashCode() % StripeCount];

    private static RedisKey RedisKey(BudgetPartition partition, long window) =>
        $"ratelimit:{partition.Kind}:{partition.Id}:{window}";

    /// <summary>One table of budgets, guarded by <see cref="Gate"/>; a budget is reached by reference, in place.</summary>
    private sealed class Stripe
    {
        public Lock Gate { get; } = new();

        public Dictionary<BudgetPartition, Budget> Budgets { get; } = [];

        /// <summary>The partition's budget, moved to <paramref name="window"/> (added if it is not held).</summary>
        public ref Budget Enter(BudgetPartition partition, long window)
        {
            ref var budget = ref CollectionsMarshal.GetValueRefOrAddDefault(Budgets, partition, out _);
            budget.Enter(window);
            return ref budget;
        }

        /// <summary>
        /// Drops the budgets of windows before <paramref name="currentWindow"/>. The table keeps its room for the next
        /// window's partitions, unless it is now mostly empty (after a burst of callers that has passed).
        /// </summary>
        public void Forget(long currentWindow)
        {
            foreach (var (partition, budget) in Budgets)
            {
                if (budget.Window < currentWindow)
                {
                    Budgets.Remove(partition);
                }
            }

            if (Budgets.Count < Budgets.Capacity / 4)
            {
                Budgets.TrimExcess();
            }
        }
    }

    /// <summary>
    /// One partition's window on this replica, held in its table by value and changed in place under the table's lock.
    /// A new entry (all zero) takes the window its first request enters.
    /// </summary>
    private struct Budget
    {
        public long Window { get; private set; }

        /// <summary>Requests admitted while counting on this replica alone.</summary>
        public int Used { get; private set; }

        /// <summary>Requests reserved in Redis by all replicas, as last seen here.</summary>
        public long Reserved { get; private set; }

        /// <summary>Requests reserved by this replica and not yet admitted.</summary>
        public long Unused { get; private set; }

        /// <summary>Redis refused a reservation: nothing is left in this window.</summary>
        public bool Spent { get; private set; }

        // Whether the last request was answered from the shared budget. What is left for this replica's callers is then
        // the unreserved part of the budget as last seen plus its own slice; else what this replica has not admitted.
        private bool _shared;

        /// <summary>
        /// Moves to <paramref name="window"/> if it is later. Only a later window starts afresh: a clock stepped back
        /// stays in the window it counted, so it cannot hand out a second budget for the same minute.
        /// </summary>
        public void Enter(long window)
        {
            if (window > Window)
            {
                (Window, Used, Reserved, Unused, Spent, _shared) = (window, 0, 0, 0, false, false);
            }
        }

        public bool TryTakeReserved()
        {
            if (Unused <= 0)
            {
                return false;
            }

            Unused--;
            _shared = true;
            return true;
        }

        public bool TryTakeLocal(int limit)
        {
            _shared = false;
            if (Used >= limit)
            {
                return false;
            }

            Used++;
            return true;
        }

        public bool AddReserved(long window, long granted, long reserved)
        {
            if (window != Window)
            {
                // The reservation was for a window that has passed here meanwhile: it no longer counts.
                return false;
            }

            _shared = true;
            Reserved = Math.Max(Reserved, reserved);
            if (granted <= 0)
            {
                Spent = Unused == 0;
                return TryTakeReserved();
            }

            Unused += granted;
            return TryTakeReserved();
        }

        public readonly WindowLease Lease(bool acquired, int limit, long nowTicks)
        {
            var remaining = Spent ? 0 : _shared ? (int)Math.Max(0, limit - Reserved + Unused) : limit - Used;
            var resetsIn = TimeSpan.FromTicks(Math.Max(0, ((Window + 1) * WindowTicks) - nowTicks));
            return new WindowLease(acquired, limit, remaining, resetsIn);
        }
    }
}

/// <summary>Whose budget: an account's or a client IP's (<see cref="Kind"/>), and which (<see cref="Id"/>).</summary>
internal readonly record struct BudgetPartition(string Kind, string Id);

/// <summary>One request's answer from a budget: admitted or not, the window's quota, what is left of it, when it resets.</summary>
internal readonly record struct WindowLease(bool IsAcquired, int Limit, int Remaining, TimeSpan ResetsIn);
