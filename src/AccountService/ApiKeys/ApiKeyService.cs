using AccountService.Accounts;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;

namespace AccountService.ApiKeys;

/// <summary>
/// Creating, listing and revoking API keys: the one implementation behind both <c>/api/api-keys</c> and the CLI's
/// <c>keys</c> verbs. Revocations and new keys reach every replica through the database's change notifications. The
/// <c>Idempotency-Key</c> store is there only where the service serves HTTP (<see cref="ApiKeyExtensions.AddApiKeys"/>).
/// </summary>
internal sealed partial class ApiKeyService(
    AccountDbContext db,
    ApiKeyHasher hasher,
    TimeProvider time,
    ILogger<ApiKeyService> logger,
    IdempotencyStore? idempotency = null)
{
    /// <summary>
    /// Issues a key: the one way keys are made, over HTTP (with an <c>Idempotency-Key</c> or without) and by the CLI.
    /// In one transaction (the caller's, or one of its own): the account's row is locked, so its creations run one at a time and concurrent ones cannot
    /// both pass the limit of <see cref="ApiKeyRules.MaxActiveKeysPerAccount"/> active keys; a disabled account gets
    /// none (<see cref="AccountAccess.MayCreateKeys"/>, read under the lock); a claimed <paramref name="idempotent"/>
    /// key is kept only together with the key it made, its answer stored before the commit (a failure rolls both
    /// back). The secret is stored only as its hash and returned only here.
    /// </summary>
    public async Task<CreateKeyResult> CreateAsync(string accountId, string name, IdempotentRequest? idempotent, CancellationToken ct)
    {
        await using var owned = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var locked = await db.Accounts
            .FromSql($"SELECT * FROM accounts WHERE id = {accountId} FOR UPDATE")
            .AsNoTracking()
            .Select(a => new { a.Status })
            .SingleOrDefaultAsync(ct);
        if (locked is null)
        {
            return new CreateKeyResult.AccountNotFound();
        }

        if (!AccountAccess.MayCreateKeys(locked.Status))
        {
            return new CreateKeyResult.AccountDisabled(locked.Status);
        }

        if (idempotent is { } request)
        {
            if (idempotency is null)
            {
                throw new InvalidOperationException("Idempotency-Key answers are kept only where the service serves HTTP.");
            }

            var claim = await idempotency.ClaimAsync(accountId, request.Key, request.Operation, request.Canonical, ct);
            if (claim.Outcome == ClaimOutcome.Reused)
            {
                return new CreateKeyResult.IdempotencyKeyReused();
            }

            if (claim.Answer is { } replay)
            {
                return new CreateKeyResult.Replayed(replay);
            }
        }

        var active = await db.ApiKeys.CountAsync(k => k.AccountId == accountId && k.RevokedAt == null, ct);
        if (active >= ApiKeyRules.MaxActiveKeysPerAccount)
        {
            return new CreateKeyResult.LimitReached(active);
        }

        var (keyId, secret, key) = ApiKeyCredential.Generate();
        var row = new ApiKey { KeyId = keyId, AccountId = accountId, Name = NameRules.NormalizeName(name), SecretHash = hasher.Hash(secret) };
        db.ApiKeys.Add(row);
        await db.SaveChangesAsync(ct);
        var created = new NewApiKey(row.KeyId, row.Name, key, row.CreatedAt);
        var answer = CreateApiKeyResponse.Answer(created);
        if (idempotent is { } claimed)
        {
            await idempotency!.CompleteAsync(accountId, claimed.Key, answer, ct);
        }

        if (owned is not null)
        {
            await owned.CommitAsync(ct);
        }

        LogCreated(logger, keyId, accountId);
        return new CreateKeyResult.Created(created, answer);
    }

    /// <summary>The account's keys, newest first; revoked ones only when asked for. Never a secret or a hash.</summary>
    public Task<List<ApiKeySummary>> ListAsync(string accountId, bool includeRevoked, CancellationToken ct)
    {
        var keys = db.ApiKeys.AsNoTracking().Where(k => k.AccountId == accountId);
        if (!includeRevoked)
        {
            keys = keys.Where(k => k.RevokedAt == null);
        }

        return keys
            .OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.KeyId)
            .Select(k => new ApiKeySummary(k.KeyId, k.Name, k.CreatedAt, k.LastUsedAt, k.RevokedAt))
            .ToListAsync(ct);
    }

    /// <summary>
    /// Revokes a key, only among <paramref name="accountId"/>'s keys when given. One conditional update, so of two
    /// concurrent revocations exactly one revokes; the first revocation time is kept.
    /// </summary>
    public async Task<RevokeKeyResult> RevokeAsync(string keyId, string? accountId, CancellationToken ct)
    {
        if (!ApiKeyCredential.IsKeyId(keyId))
        {
            return new RevokeKeyResult.NotFound();
        }

        var keys = db.ApiKeys.Where(k => k.KeyId == keyId);
        if (accountId is not null)
        {
            keys = keys.Where(k => k.AccountId == accountId);
        }

        var now = time.GetUtcNow();
        await using var durable = await DurableCommit.RequireAsync(db, ct);
        if (await keys.Where(k => k.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct) == 1)
        {
            if (durable is not null)
            {
                await durable.CommitAsync(ct);
            }

            LogRevoked(logger, keyId);
            return new RevokeKeyResult.Revoked(now);
        }

        var existing = await keys.AsNoTracking().Select(k => new { k.RevokedAt }).SingleOrDefaultAsync(ct);
        return existing?.RevokedAt is { } revokedAt
            ? new RevokeKeyResult.AlreadyRevoked(revokedAt)
            : new RevokeKeyResult.NotFound();
    }

    // Key ids are not secret: they name a key without letting anyone use it.
    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Created API key {KeyId} for account {AccountId}")]
    private static partial void LogCreated(ILogger logger, string keyId, string accountId);

    [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "Revoked API key {KeyId}")]
    private static partial void LogRevoked(ILogger logger, string keyId);
}

/// <summary>A key just made: <see cref="Key"/> holds the secret and is shown this once.</summary>
internal sealed record NewApiKey(string KeyId, string Name, string Key, DateTimeOffset CreatedAt);

/// <summary>What may be shown of a key after it was made.</summary>
internal sealed record ApiKeySummary(string KeyId, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>An <c>Idempotency-Key</c> with what it was sent to (<paramref name="Operation"/>) and the request's canonical bytes.</summary>
internal readonly record struct IdempotentRequest(string Key, string Operation, byte[] Canonical);

internal abstract record CreateKeyResult
{
    /// <summary>A new key, and the answer stored for its <c>Idempotency-Key</c> (when it had one).</summary>
    public sealed record Created(NewApiKey Key, ReplayableJson Answer) : CreateKeyResult;

    /// <summary>The answer to the same request made earlier with the same <c>Idempotency-Key</c>.</summary>
    public sealed record Replayed(ReplayableJson Answer) : CreateKeyResult;

    public sealed record IdempotencyKeyReused : CreateKeyResult;

    public sealed record AccountNotFound : CreateKeyResult;

    public sealed record AccountDisabled(AccountStatus Status) : CreateKeyResult;

    public sealed record LimitReached(int Active) : CreateKeyResult;
}

internal abstract record RevokeKeyResult
{
    public sealed record Revoked(DateTimeOffset At) : RevokeKeyResult;

    public sealed record AlreadyRevoked(DateTimeOffset At) : RevokeKeyResult;

    public sealed record NotFound : RevokeKeyResult;
}
