using AccountService.Accounts;
using AccountService.Auth;
using AccountService.Data;

namespace AccountService.Callers;

/// <summary>
/// Turns a credential into the caller's account: an API key (key id, secret) or a JWT's account id. Known callers are
/// answered from <see cref="CallerCache"/> with no database work; the rest are read with one query and remembered.
/// Authentication, the rate limiter and the endpoints all ask here; nothing else reads keys or accounts for a request.
/// </summary>
internal sealed partial class CallerResolver(
    CallerCache cache,
    IServiceScopeFactory scopes,
    ApiKeyHasher hasher,
    KeyUsageRecorder usage,
    ILogger<CallerResolver> logger)
{
    // Compared against when the key id is unknown, so both failures cost the same hash and comparison.
    private static readonly byte[] NoSuchKeyHash = new byte[32];

    /// <summary>
    /// Resolves <c>ok_&lt;keyId&gt;_&lt;secret&gt;</c>. With <paramref name="memoryOnly"/> a key not in memory is not
    /// looked up: a client that has spent its budget for failed credentials gets no more database work.
    /// </summary>
    public async ValueTask<KeyResolution> ResolveKeyAsync(string keyId, string secret, bool memoryOnly, CancellationToken ct)
    {
        var name = CallerNames.Key(keyId);
        if (!cache.TryGetCurrent<KeyRecord>(name, out var key))
        {
            if (memoryOnly)
            {
                return new KeyResolution(KeyOutcome.NotInMemory, null);
            }

            key = await ReadKeyAsync(keyId, name, ct);
        }

        var secretMatches = hasher.Matches(secret, key?.SecretHash ?? NoSuchKeyHash);
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

        // Read with the key moments ago, so normally from memory.
        var account = await FindAccountAsync(key.AccountId, ct);
        if (account is null)
        {
            return new KeyResolution(KeyOutcome.UnknownKey, null);
        }

        usage.Used(keyId, key.LastUsedAt);
        return new KeyResolution(KeyOutcome.Valid, account);
    }

    /// <summary>The account with this id (a JWT's subject), or null when there is none.</summary>
    public ValueTask<AccountRow?> FindAccountAsync(string accountId, CancellationToken ct) =>
        ReadThroughAsync(CallerNames.Account(accountId), (db, token) => CallerQueries.AccountAsync(db, accountId, token), ct);

    /// <summary>The account's Stripe customer and its apps' seats (<c>GET /api/account</c>), or null when there is no such account.</summary>
    public ValueTask<AccountSeats?> FindSeatsAsync(string accountId, CancellationToken ct) =>
        ReadThroughAsync(CallerNames.Seats(accountId), (db, token) => CallerQueries.SeatsAsync(db, accountId, token), ct);

    private async ValueTask<T?> ReadThroughAsync<T>(string name, Func<AccountDbContext, CancellationToken, Task<T?>> read, CancellationToken ct)
        where T : class
    {
        if (cache.TryGetCurrent<T>(name, out var known))
        {
            return known;
        }

        var ticket = cache.Begin(name);
        T? value;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            value = await read(scope.ServiceProvider.GetRequiredService<AccountDbContext>(), ct);
        }
        catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex) && cache.TryGetStale<T>(name, out var stale))
        {
            LogServedStale(logger, name[0]);
            return stale;
        }

        if (value is not null)
        {
            cache.Store(name, value, ticket);
        }

        return value;
    }

    private async Task<KeyRecord?> ReadKeyAsync(string keyId, string name, CancellationToken ct)
    {
        var keyTicket = cache.Begin(name);
        var accountTicket = cache.BeginAny();
        (KeyRecord Key, AccountRow Account)? row;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AccountDbContext>();
            row = await CallerQueries.KeyWithAccountAsync(db, keyId, ct);
        }
        catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex) && cache.TryGetStale<KeyRecord>(name, out var stale))
        {
            LogServedStale(logger, name[0]);
            return stale;
        }

        if (row is not { } read)
        {
            return null;
        }

        cache.Store(name, read.Key, keyTicket);
        cache.Store(CallerNames.Account(read.Account.Id), read.Account, accountTicket);
        return read.Key;
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
    NotInMemory,
}

/// <summary>How an API key resolved; <see cref="Account"/> is set when it is valid.</summary>
internal readonly record struct KeyResolution(KeyOutcome Outcome, AccountRow? Account);

/// <summary>The names cache entries and change notifications share (see the NotifyCallerChanges migration).</summary>
internal static class CallerNames
{
    public static string Key(string keyId) => "k:" + keyId;

    public static string Account(string accountId) => "a:" + accountId;

    public static string Seats(string accountId) => "s:" + accountId;
}
