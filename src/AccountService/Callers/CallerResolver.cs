using AccountService.Accounts;
using AccountService.ApiKeys;
using AccountService.Data;
using AccountService.Telemetry;

namespace AccountService.Callers;

/// <summary>
/// Turns a credential into the caller's account: an API key (key id, secret) or a JWT's account id. Known callers are
/// answered from <see cref="CallerCache"/> with no database work; the rest are read with one statement and remembered.
/// What a resolution read travels with the request as a <see cref="ResolvedCaller"/>, so nothing reads it again.
/// Authentication, the rate limiter and the endpoints all ask here; nothing else reads keys or accounts for a request.
/// </summary>
internal sealed partial class CallerResolver(
    CallerCache cache,
    CallerQueries queries,
    ApiKeyHasher hasher,
    KeyUsageRecorder usage,
    ServiceMetrics metrics,
    ILogger<CallerResolver> logger)
{
    // Compared against when the key id is unknown, so both failures cost the same hash and comparison.
    private static readonly byte[] NoSuchKeyHash = new byte[ApiKeyHasher.HashSize];

    /// <summary>
    /// Resolves <c>ok_&lt;keyId&gt;_&lt;secret&gt;</c>. A key not in memory is looked up only if <paramref name="gate"/>
    /// allows it: a client that has spent its budget for failed credentials gets no more database work.
    /// </summary>
    public async ValueTask<KeyResolution> ResolveKeyAsync(string keyId, string secret, CallerResolution? gate, CancellationToken ct)
    {
        KeyRecord? key;
        AccountState? state = null;
        AccountRow? account = null;
        if (cache.TryGetKey(keyId, out var held))
        {
            key = held.Key!;
            state = held.Account;
            account = state.Row is { } row && cache.IsCurrent(row.Stamp) ? row.Value : null;
            if (account is not null)
            {
                metrics.CallerLookup(CallerLookupResult.Hit);
            }
        }
        else if (gate is not null && !await gate.MayLookUpAsync())
        {
            return new KeyResolution(KeyOutcome.NotInMemory, null);
        }
        else
        {
            (key, state, account) = await ReadKeyAsync(keyId, ct);
        }

        var secretMatches = hasher.Matches(secret, key is null ? NoSuchKeyHash : key.SecretHash);
        if (key is null)
        {
            return new KeyResolution(KeyOutcome.UnknownKey, null);
        }

        if (!secretMatches)
        {
            return new KeyResolution(KeyOutcome.WrongSecret, null);
        }

        if (key.Revoked)
        {
            return new KeyResolution(KeyOutcome.Revoked, null);
        }

        // The key is known but its account changed since it was read: the account alone, by its primary key.
        account ??= state is null ? null : await ReadAccountAsync(state, key.AccountId, ct);
        if (account is null)
        {
            return new KeyResolution(KeyOutcome.NoAccount, null);
        }

        usage.Used(keyId, key);
        return new KeyResolution(KeyOutcome.Valid, new ResolvedCaller(account, state));
    }

    /// <summary>
    /// Puts the authenticated caller's account on the request as its <see cref="ICallerAccountFeature"/>: the
    /// <see cref="ResolvedCaller"/> an API key's authentication left there, else <paramref name="accountId"/>'s account
    /// (a JWT's), read when first asked for.
    /// </summary>
    public void Attach(HttpContext context, string accountId) =>
        context.Features.Set<ICallerAccountFeature>(new CallerAccount(this, accountId, context.Features.Get<ResolvedCaller>()));

    /// <summary>The account with this id (a JWT's subject), or null when there is none.</summary>
    public async ValueTask<ResolvedCaller?> FindAccountAsync(string accountId, CancellationToken ct)
    {
        var state = cache.FindAccount(accountId);
        if (state?.Row is { } row && cache.IsCurrent(row.Stamp))
        {
            metrics.CallerLookup(CallerLookupResult.Hit);
            return new ResolvedCaller(row.Value, cache.HoldAccountCaller(accountId));
        }

        var (read, stamp, stale) = await ReadAsync(
            ChangeNotifications.AccountName(accountId), token => queries.AccountAsync(accountId, token), state?.Row, ct);
        if (stale)
        {
            return new ResolvedCaller(read!, state);
        }

        if (read is null)
        {
            return null;
        }

        state = cache.HoldAccountCaller(accountId);
        cache.SetRow(state, read, stamp);
        return new ResolvedCaller(read, state);
    }

    /// <summary>
    /// The account's Stripe customer and its apps' seats (<c>GET /api/account</c>), in one statement when not held;
    /// null when there is no such account. <paramref name="known"/> is what resolution already holds of the account.
    /// </summary>
    public async ValueTask<AccountSeats?> FindSeatsAsync(string accountId, AccountState? known, CancellationToken ct)
    {
        var state = known ?? cache.FindAccount(accountId);
        if (state?.Seats is { } held && cache.IsCurrent(held.Stamp))
        {
            metrics.CallerLookup(CallerLookupResult.Hit);
            return held.Value;
        }

        var (read, stamp, stale) = await ReadAsync(
            ChangeNotifications.SeatsName(accountId), token => queries.SeatsAsync(accountId, token), state?.Seats, ct);
        if (read is not null && !stale)
        {
            cache.SetSeats(state ?? cache.HoldAccountCaller(accountId), read, stamp);
        }

        return read;
    }

    /// <summary>The key and its account in one statement; or, while the database is away, what memory last knew of them.</summary>
    private async Task<(KeyRecord? Key, AccountState? State, AccountRow? Account)> ReadKeyAsync(string keyId, CancellationToken ct)
    {
        var keyStamp = cache.Begin(ChangeNotifications.KeyName(keyId));
        var changesBefore = cache.BeginAny();
        KeyWithAccount? row;
        try
        {
            row = await queries.KeyWithAccountAsync(keyId, ct);
            metrics.CallerLookup(CallerLookupResult.Miss);
        }
        catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex) && StaleKey(keyId) is { } stale)
        {
            metrics.CallerLookup(CallerLookupResult.Stale);
            LogServedStale(logger, 'k');
            return stale;
        }

        if (row is null)
        {
            return (null, null, null);
        }

        var accountStamp = cache.StampAfter(ChangeNotifications.AccountName(row.Account.Id), changesBefore, keyStamp.Flushes);
        return (row.Key, cache.StoreKey(keyId, row.Key, keyStamp, row.Account, accountStamp), row.Account);
    }

    private (KeyRecord?, AccountState?, AccountRow?)? StaleKey(string keyId)
    {
        if (!cache.TryGetKeyAnyAge(keyId, out var held) || !cache.MayServeStale(held.KeyReadAt)
            || held.Account.Row is not { } row || !cache.MayServeStale(row.ReadAt))
        {
            return null;
        }

        return (held.Key, held.Account, row.Value);
    }

    private async Task<AccountRow?> ReadAccountAsync(AccountState state, string accountId, CancellationToken ct)
    {
        var (read, stamp, _) = await ReadAsync(
            ChangeNotifications.AccountName(accountId), token => queries.AccountAsync(accountId, token), held: null, ct);
        if (read is not null)
        {
            cache.SetRow(state, read, stamp);
        }

        return read;
    }

    /// <summary>
    /// Reads what memory does not hold current, with the stamp taken before the read. While the database cannot be
    /// reached, <paramref name="held"/> (what memory last knew) is answered instead, for at most
    /// <see cref="CacheOptions.StaleIfError"/>; <c>Stale</c> says so.
    /// </summary>
    private async Task<(T? Value, Stamp Stamp, bool Stale)> ReadAsync<T>(
        string name, Func<CancellationToken, Task<T?>> read, Versioned<T>? held, CancellationToken ct)
        where T : class
    {
        var stamp = cache.Begin(name);
        try
        {
            var value = await read(ct);
            metrics.CallerLookup(CallerLookupResult.Miss);
            return (value, stamp, false);
        }
        catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex) && held is not null && cache.MayServeStale(held.ReadAt))
        {
            metrics.CallerLookup(CallerLookupResult.Stale);
            LogServedStale(logger, name[0]);
            return (held.Value, stamp, true);
        }
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Debug, Message = "Database unavailable: answered a caller ({Kind}) from memory")]
    private static partial void LogServedStale(ILogger logger, char kind);
}

internal enum KeyOutcome
{
    Valid,
    UnknownKey,
    WrongSecret,
    Revoked,
    NoAccount,
    NotInMemory,
}

/// <summary>How an API key resolved; <see cref="Caller"/> is set when it is valid.</summary>
internal readonly record struct KeyResolution(KeyOutcome Outcome, ResolvedCaller? Caller);

/// <summary>
/// A request's caller as resolution found it, kept on <see cref="HttpContext.Features"/>: the account row, and the
/// state memory holds for the account (null when it was read but not kept), where its seats are kept too.
/// </summary>
internal sealed record ResolvedCaller(AccountRow Account, AccountState? State);
