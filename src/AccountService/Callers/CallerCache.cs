using System.Collections.Concurrent;
using AccountService.Accounts;
using BitFaster.Caching.Lfu;
using Microsoft.Extensions.Options;

namespace AccountService.Callers;

/// <summary>
/// The callers resolution keeps in memory, trusted only while <see cref="ChangeListener"/> hears every committed
/// change. A caller is an API key or a JWT's account (a <see cref="CallerKey"/>); at most
/// <see cref="CacheOptions.MaxCallers"/> of them are held, chosen by a frequency-aware policy (W-TinyLFU), so busy
/// callers stay when rare ones pass through. Every caller points at its account's <see cref="AccountState"/> (the
/// account row and its seats), held once however many keys the account has.
/// </summary>
/// <remarks>
/// A value is kept with the <see cref="Stamp"/> taken before it was read: the version of the change-notification name
/// it answers to (<c>k:</c>, <c>a:</c> or <c>s:</c>, hashed onto one of <see cref="StripeCount"/> counters) and the
/// count of flushes. A notification bumps its counter, so every value read before it stops being current at once,
/// whatever order the read, the store and the notification take; it also drops the value, so that a stale answer
/// (stale-if-error) never serves a change that was notified. Two names sharing a counter only cost an extra read.
/// </remarks>
internal sealed class CallerCache : IDisposable
{
    internal const int StripeCount = 1 << 16;

    private readonly ConcurrentLfu<CallerKey, CallerEntry> _callers;
    private readonly ConcurrentDictionary<string, AccountState> _accounts = new(StringComparer.Ordinal);
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
        _callers = new ConcurrentLfu<CallerKey, CallerEntry>(options.Value.MaxCallers);
        var events = _callers.Events.Value!;
        events.ItemRemoved += (_, removed) => Release(removed.Value?.Account);
        events.ItemUpdated += (_, updated) => Release(updated.OldValue?.Account);
        _lostAt = time.GetTimestamp();
    }

    /// <summary>Whether memory is current: the change listener is connected and has dropped what it may have missed.</summary>
    public bool IsListening => _listening;

    /// <summary>Callers held now (API keys and JWT accounts).</summary>
    public int Count => _callers.Count;

    /// <summary>Accounts held now, each once however many of its callers are held.</summary>
    public int AccountCount => _accounts.Count;

    /// <summary>Taken before a value is read from the database; the value is current while its stamp is.</summary>
    public Stamp Begin(string name)
    {
        var stripe = StripeOf(name);
        return new Stamp(stripe, Volatile.Read(ref _versions[stripe]), Interlocked.Read(ref _flushes));
    }

    /// <summary>
    /// For a read whose name is not known before it returns (an account found through its key): the number of
    /// notifications so far; see <see cref="StampAfter"/>.
    /// </summary>
    public long BeginAny() => Interlocked.Read(ref _changes);

    /// <summary>
    /// The stamp a value named <paramref name="name"/> gets when its read began at <paramref name="changesBefore"/>
    /// (<see cref="BeginAny"/>) and <paramref name="flushesBefore"/>: current only if no notification came since.
    /// </summary>
    public Stamp StampAfter(string name, long changesBefore, long flushesBefore)
    {
        var stripe = StripeOf(name);
        var version = Volatile.Read(ref _versions[stripe]);
        return Interlocked.Read(ref _changes) == changesBefore
            ? new Stamp(stripe, version, flushesBefore)
            : new Stamp(stripe, version - 1, flushesBefore);
    }

    /// <summary>The API key caller <paramref name="keyId"/>, if it is held and current.</summary>
    public bool TryGetKey(string keyId, out CallerEntry entry) =>
        TryGetCaller(CallerKey.Key(keyId), out entry) && entry.Key is not null && IsCurrent(entry.KeyStamp);

    /// <summary>The JWT caller of <paramref name="accountId"/>, or the account state its keys share, if held.</summary>
    public AccountState? FindAccount(string accountId)
    {
        if (TryGetCaller(CallerKey.Account(accountId), out var entry))
        {
            return entry.Account;
        }

        return _accounts.TryGetValue(accountId, out var state) ? state : null;
    }

    /// <summary>A value is current while the listener is connected and nothing was notified for it since its read began.</summary>
    public bool IsCurrent(Stamp stamp) =>
        _listening
        && Volatile.Read(ref _versions[stamp.Stripe]) == stamp.Version
        && Interlocked.Read(ref _flushes) == stamp.Flushes;

    /// <summary>
    /// Whether a value read at <paramref name="readAt"/> may still be served while the database cannot be reached: it
    /// was current until the listener was lost (or until it was read, whichever is later), at most
    /// <see cref="CacheOptions.StaleIfError"/> ago. Values that were notified as changed are not held at all.
    /// </summary>
    public bool MayServeStale(long readAt)
    {
        if (_staleIfError <= TimeSpan.Zero)
        {
            return false;
        }

        var currentAsOf = _listening ? _time.GetTimestamp() : Math.Max(readAt, Interlocked.Read(ref _lostAt));
        return _time.GetElapsedTime(currentAsOf) <= _staleIfError;
    }

    /// <summary>A held API key caller, current or not: for stale-if-error.</summary>
    public bool TryGetKeyAnyAge(string keyId, out CallerEntry entry) =>
        TryGetCaller(CallerKey.Key(keyId), out entry) && entry.Key is not null;

    /// <summary>Holds the API key caller read with <paramref name="keyStamp"/>, with its account; returns the account's state, if held.</summary>
    public AccountState? StoreKey(string keyId, KeyRecord key, Stamp keyStamp, AccountRow account, Stamp accountStamp)
    {
        if (!IsCurrent(keyStamp))
        {
            return null;
        }

        var caller = CallerKey.Key(keyId);
        var state = Acquire(account.Id);
        SetRow(state, account, accountStamp);
        var entry = new CallerEntry(state, key, keyStamp, _time.GetTimestamp());
        _callers.AddOrUpdate(caller, entry);

        // A notification between the check above and the store: drop what may already be stale.
        if (!IsCurrent(keyStamp))
        {
            _callers.TryRemove(new KeyValuePair<CallerKey, CallerEntry>(caller, entry));
        }

        return state;
    }

    /// <summary>
    /// The state of <paramref name="accountId"/> for a JWT caller: held as a caller of its own from now on (it counts
    /// toward the bound), sharing the state its keys may already hold.
    /// </summary>
    public AccountState HoldAccountCaller(string accountId)
    {
        var caller = CallerKey.Account(accountId);
        if (TryGetCaller(caller, out var entry))
        {
            return entry.Account;
        }

        var state = Acquire(accountId);
        _callers.AddOrUpdate(caller, new CallerEntry(state, Key: null, KeyStamp: default, KeyReadAt: 0));
        return state;
    }

    /// <summary>Keeps <paramref name="row"/> as the account's current row, if nothing was notified for it since <paramref name="stamp"/>.</summary>
    public void SetRow(AccountState state, AccountRow row, Stamp stamp) =>
        Set(ref state.Row, new Versioned<AccountRow>(row, stamp, _time.GetTimestamp()));

    /// <summary>Keeps <paramref name="seats"/> as the account's current seats, if nothing was notified for them since <paramref name="stamp"/>.</summary>
    public void SetSeats(AccountState state, AccountSeats seats, Stamp stamp) =>
        Set(ref state.Seats, new Versioned<AccountSeats>(seats, stamp, _time.GetTimestamp()));

    /// <summary>After <c>k:&lt;key id&gt;</c>: the key changed (revoked, deleted, created).</summary>
    public void KeyChanged(string keyId)
    {
        Bump(ChangeNotifications.KeyName(keyId));
        _callers.TryRemove(CallerKey.Key(keyId));
    }

    /// <summary>After <c>a:&lt;account id&gt;</c>: the account's row changed.</summary>
    public void AccountChanged(string accountId)
    {
        Bump(ChangeNotifications.AccountName(accountId));
        if (_accounts.TryGetValue(accountId, out var state))
        {
            state.Row = null;
        }
    }

    /// <summary>After <c>s:&lt;account id&gt;</c>: the account's apps or seats changed.</summary>
    public void SeatsChanged(string accountId)
    {
        Bump(ChangeNotifications.SeatsName(accountId));
        if (_accounts.TryGetValue(accountId, out var state))
        {
            state.Seats = null;
        }
    }

    /// <summary>Drops everything: a TRUNCATE, or a listener that may have missed notifications.</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref _flushes);
        _callers.Clear();
        foreach (var state in _accounts.Values)
        {
            state.Row = null;
            state.Seats = null;
        }
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

    /// <summary>Applies pending evictions now (they are otherwise applied in the background, in batches).</summary>
    internal void Maintain() => _callers.DoMaintenance();

    public void Dispose()
    {
        _callers.Clear();
        _accounts.Clear();
    }

    private void Bump(string name)
    {
        Interlocked.Increment(ref _versions[StripeOf(name)]);
        Interlocked.Increment(ref _changes);
    }

    private bool TryGetCaller(CallerKey caller, out CallerEntry entry) => _callers.TryGet(caller, out entry!);

    private void Set<T>(ref Versioned<T>? slot, Versioned<T> value)
        where T : class
    {
        if (!IsCurrent(value.Stamp))
        {
            return;
        }

        Volatile.Write(ref slot, value);
        if (!IsCurrent(value.Stamp))
        {
            Interlocked.CompareExchange(ref slot, null, value);
        }
    }

    /// <summary>The shared state of an account, counted once more as referenced by a caller.</summary>
    private AccountState Acquire(string accountId)
    {
        while (true)
        {
            var state = _accounts.GetOrAdd(accountId, static id => new AccountState(id));
            lock (state)
            {
                if (!state.Retired)
                {
                    state.Callers++;
                    return state;
                }
            }
        }
    }

    /// <summary>A caller no longer points at the state; the last one to go takes it out of the index.</summary>
    private void Release(AccountState? state)
    {
        if (state is null)
        {
            return;
        }

        lock (state)
        {
            if (--state.Callers > 0)
            {
                return;
            }

            state.Retired = true;
        }

        _accounts.TryRemove(new KeyValuePair<string, AccountState>(state.Id, state));
    }

    private static int StripeOf(string name) => (int)((uint)string.GetHashCode(name, StringComparison.Ordinal) % StripeCount);
}

/// <summary>
/// A held caller's name: an API key's id, or a JWT's account id. A pair rather than the notification's name
/// (<c>k:</c>/<c>a:</c> and the id), so that finding a caller builds no string.
/// </summary>
internal readonly record struct CallerKey(bool IsApiKey, string Id)
{
    public static CallerKey Key(string keyId) => new(true, keyId);

    public static CallerKey Account(string accountId) => new(false, accountId);
}

/// <summary>Where a value stood when its read began: see <see cref="CallerCache"/>.</summary>
internal readonly record struct Stamp(int Stripe, long Version, long Flushes);

/// <summary>A value read from the database, with the stamp taken before the read and when it was read (a timestamp).</summary>
internal sealed record Versioned<T>(T Value, Stamp Stamp, long ReadAt);

/// <summary>
/// One held caller: its account's state and, for an API key, the key, with the stamp taken before it was read and when
/// it was read (a timestamp). Made once and never changed, so the key's stamp needs no object of its own.
/// </summary>
internal sealed record CallerEntry(AccountState Account, KeyRecord? Key, Stamp KeyStamp, long KeyReadAt);

/// <summary>What is held of one account, shared by all its callers: the row and the seats, each read when first needed.</summary>
internal sealed class AccountState(string id)
{
    public string Id { get; } = id;

    // Written through CallerCache only; a null is "not held, read it".
    internal Versioned<AccountRow>? Row;

    internal Versioned<AccountSeats>? Seats;

    // Guarded by the state's lock: how many held callers point here, and whether it has left the index.
    internal int Callers;

    internal bool Retired;
}
