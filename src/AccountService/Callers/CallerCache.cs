using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AccountService.Callers;

/// <summary>
/// What caller resolution keeps in memory, trusted only while <see cref="ChangeListener"/> hears every committed
/// change: keys <c>k:&lt;key id&gt;</c>, accounts <c>a:&lt;id&gt;</c> and seats <c>s:&lt;account id&gt;</c>, the
/// names the database's change notifications use. Bounded by <see cref="CacheOptions.MaxCallers"/> (least recently
/// used evicted first).
/// </summary>
/// <remarks>
/// A value read from the database may be stale by the time it is stored: a change committed after the read but
/// notified before the store would otherwise be lost for good. So a reader takes a <see cref="Ticket"/> before it
/// reads, and the value is kept only if no notification for its name (or a flush) came in between. Notifications bump
/// a version before they remove, and a store checks again after it adds, so either order of the two is safe.
/// </remarks>
internal sealed class CallerCache : IDisposable
{
    private const int StripeCount = 4096;

    private static readonly MemoryCacheEntryOptions OneUnit = new() { Size = 1 };

    private readonly MemoryCache _entries;
    private readonly long[] _versions = new long[StripeCount];
    private readonly TimeProvider _time;
    private readonly TimeSpan _staleIfError;
    private long _flushes;
    private long _changes;
    private volatile bool _listening;
    private long _lostAt;

    public CallerCache(IOptions<CacheOptions> options, TimeProvider time)
    {
        _time = time;
        _staleIfError = options.Value.StaleIfError;
        _entries = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = options.Value.MaxCallers,
            CompactionPercentage = 0.10,
        });
        _lostAt = time.GetTimestamp();
    }

    /// <summary>Whether memory is current: the change listener is connected and has dropped what it may have missed.</summary>
    public bool IsListening => _listening;

    /// <summary>Entries held now (for tests and the benchmark's report).</summary>
    public long Count => _entries.Count;

    public readonly record struct Ticket(int Stripe, long Version, long Flushes);

    /// <summary>A value known to be current: only while the listener is connected.</summary>
    public bool TryGetCurrent<T>(string name, out T value)
        where T : class
    {
        if (_listening && _entries.TryGetValue(name, out var found) && found is Entry<T> entry)
        {
            value = entry.Value;
            return true;
        }

        value = null!;
        return false;
    }

    /// <summary>
    /// A value last known to be current at most <see cref="CacheOptions.StaleIfError"/> ago: for when the database
    /// cannot be reached. An entry was current until it was read or until the listener was lost, whichever is later.
    /// </summary>
    public bool TryGetStale<T>(string name, out T value)
        where T : class
    {
        value = null!;
        if (_staleIfError <= TimeSpan.Zero || !_entries.TryGetValue(name, out var found) || found is not Entry<T> entry)
        {
            return false;
        }

        var currentAsOf = _listening ? _time.GetTimestamp() : Math.Max(entry.ReadAt, Interlocked.Read(ref _lostAt));
        if (_time.GetElapsedTime(currentAsOf) > _staleIfError)
        {
            return false;
        }

        value = entry.Value;
        return true;
    }

    /// <summary>Taken before reading <paramref name="name"/> from the database; see <see cref="Store{T}"/>.</summary>
    public Ticket Begin(string name)
    {
        var stripe = StripeOf(name);
        return new Ticket(stripe, Volatile.Read(ref _versions[stripe]), Interlocked.Read(ref _flushes));
    }

    /// <summary>
    /// For a read whose name is not known before it returns (an account found through its key): any notification
    /// since counts as a change.
    /// </summary>
    public Ticket BeginAny() => new(-1, Interlocked.Read(ref _changes), Interlocked.Read(ref _flushes));

    /// <summary>Keeps a value read after <paramref name="ticket"/> was taken, unless it changed since.</summary>
    public void Store<T>(string name, T value, Ticket ticket)
        where T : class
    {
        if (!Unchanged(ticket))
        {
            return;
        }

        _entries.Set(name, new Entry<T>(value, _time.GetTimestamp()), OneUnit);
        if (!Unchanged(ticket))
        {
            _entries.Remove(name);
        }
    }

    /// <summary>
    /// Raised after a name was dropped: other caches follow the notifications through it (the card cache takes
    /// <c>c:</c> names), and tests use it to tell when a notification they sent has been applied.
    /// </summary>
    internal event Action<string>? Invalidated;

    /// <summary>Raised after everything was dropped: whatever follows the notifications must drop everything too.</summary>
    internal event Action? InvalidatedAll;

    /// <summary>Drops one name after a change notification.</summary>
    public void Invalidate(string name)
    {
        Interlocked.Increment(ref _versions[StripeOf(name)]);
        Interlocked.Increment(ref _changes);
        _entries.Remove(name);
        Invalidated?.Invoke(name);
    }

    /// <summary>Drops everything: a TRUNCATE, or a listener that may have missed notifications.</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref _flushes);
        _entries.Clear();
        InvalidatedAll?.Invoke();
    }

    /// <summary>The listener hears changes again: forget what may have changed meanwhile, then trust memory.</summary>
    public void ListenerConnected()
    {
        InvalidateAll();
        _listening = true;
    }

    /// <summary>The listener is gone: read the database until it is back.</summary>
    public void ListenerLost()
    {
        if (_listening)
        {
            Interlocked.Exchange(ref _lostAt, _time.GetTimestamp());
            _listening = false;
        }
    }

    public void Dispose() => _entries.Dispose();

    private bool Unchanged(Ticket ticket) =>
        (ticket.Stripe < 0 ? Interlocked.Read(ref _changes) : Volatile.Read(ref _versions[ticket.Stripe])) == ticket.Version
        && Interlocked.Read(ref _flushes) == ticket.Flushes;

    private static int StripeOf(string name) => (int)((uint)string.GetHashCode(name, StringComparison.Ordinal) % StripeCount);

    private sealed record Entry<T>(T Value, long ReadAt);
}
