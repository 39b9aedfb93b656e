using System.Security.Cryptography;
using System.Text;
using AccountService.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace AccountService.ApiKeys;

/// <summary>
/// <c>Idempotency-Key</c> semantics inside the caller's transaction: <see cref="ClaimAsync"/> inserts the key first, so of
/// concurrent requests with the same key exactly one goes on (the others wait on the row and then replay its answer);
/// <see cref="CompleteAsync"/> stores the answer, encrypted, before the transaction commits. A request that fails rolls
/// its transaction back and leaves no row, so a corrected retry with the same key can succeed.
/// </summary>
internal sealed partial class IdempotencyStore(
    AccountDbContext db, IDataProtectionProvider protection, TimeProvider time, ILogger<IdempotencyStore> logger)
{
    public const string Header = "Idempotency-Key";
    public const int KeyMaxLength = 255;

    /// <summary>What a usable <c>Idempotency-Key</c> is, as the 400's detail says it.</summary>
    public const string KeyRule = "must be sent once, as 1–255 characters other than a comma";

    /// <summary>How long a key and its answer are kept.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    // Changing it makes stored answers unreadable: they are then at most a day old, and only their replays fail.
    internal const string Purpose = "AccountService.ApiKeys.IdempotentAnswers.v1";

    /// <summary>
    /// Claims <paramref name="idempotencyKey"/> for <paramref name="request"/> (its canonical bytes) to
    /// <paramref name="operation"/> (e.g. <c>POST /api/api-keys</c>). A key seen within <see cref="Lifetime"/> answers
    /// with the stored answer when the request is the same, else <see cref="ClaimOutcome.Reused"/>.
    /// </summary>
    public async Task<IdempotencyClaim> ClaimAsync(
        string accountId, string idempotencyKey, string operation, byte[] request, CancellationToken ct)
    {
        var hash = Fingerprint(operation, request);
        var now = time.GetUtcNow();
        var expired = now - Lifetime;

        // An expired row is as good as none, whether or not the purge has come by yet.
        await db.Database.ExecuteSqlAsync(
            $"DELETE FROM idempotency_records WHERE account_id = {accountId} AND idempotency_key = {idempotencyKey} AND created_at <= {expired}",
            ct);

        // Waits while another transaction holds the same key, then does nothing if that one committed.
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO idempotency_records (account_id, idempotency_key, request_hash, created_at)
            VALUES ({accountId}, {idempotencyKey}, {hash}, {now})
            ON CONFLICT DO NOTHING
            """,
            ct);
        if (inserted == 1)
        {
            return new IdempotencyClaim(ClaimOutcome.Claimed, null);
        }

        var record = await db.IdempotencyRecords.AsNoTracking()
            .SingleAsync(r => r.AccountId == accountId && r.IdempotencyKey == idempotencyKey, ct);
        if (!CryptographicOperations.FixedTimeEquals(record.RequestHash, hash))
        {
            return new IdempotencyClaim(ClaimOutcome.Reused, null);
        }

        byte[] body;
        try
        {
            body = Protector(accountId, idempotencyKey).Unprotect(record.ProtectedBody!);
        }
        catch (CryptographicException)
        {
            // The answer cannot be made again (its secret is gone) and a second key must not be made: this request fails.
            LogUnreadable(logger, accountId);
            throw;
        }

        return new IdempotencyClaim(ClaimOutcome.Replay, new ReplayableJson(record.StatusCode!.Value, record.Location, body, replayed: true));
    }

    /// <summary>Stores the answer to a claimed key, its body encrypted; the caller then commits.</summary>
    public Task CompleteAsync(string accountId, string idempotencyKey, ReplayableJson answer, CancellationToken ct)
    {
        var protectedBody = Protector(accountId, idempotencyKey).Protect(answer.Body);
        return db.IdempotencyRecords
            .Where(r => r.AccountId == accountId && r.IdempotencyKey == idempotencyKey)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.StatusCode, answer.StatusCode)
                    .SetProperty(r => r.Location, answer.Location)
                    .SetProperty(r => r.ProtectedBody, protectedBody),
                ct);
    }

    /// <summary>
    /// A single key. As for <c>X-Request-Id</c> (<see cref="Server.RequestId.IsValid"/>), a comma is refused: repeated
    /// header lines arrive joined by commas, so two keys and one key with a comma look the same.
    /// </summary>
    public static bool IsUsableKey(string? value) =>
        value is { Length: > 0 and <= KeyMaxLength } && !value.Contains(',', StringComparison.Ordinal);

    /// <summary>Deletes every key older than <see cref="Lifetime"/>, with its answer; returns how many.</summary>
    public Task<int> PurgeExpiredAsync(CancellationToken ct)
    {
        var expired = time.GetUtcNow() - Lifetime;
        return db.IdempotencyRecords.Where(r => r.CreatedAt <= expired).ExecuteDeleteAsync(ct);
    }

    // A stored answer opens only for the account and key it was stored under.
    private IDataProtector Protector(string accountId, string idempotencyKey) =>
        protection.CreateProtector(Purpose, accountId, idempotencyKey);

    [LoggerMessage(
        EventId = 122,
        Level = LogLevel.Error,
        Message = "A stored Idempotency-Key answer of account {AccountId} does not open with this replica's key ring: is DataProtection:KeyRingKey the same on every replica, and unchanged for a day?")]
    private static partial void LogUnreadable(ILogger logger, string accountId);

    private static byte[] Fingerprint(string operation, byte[] request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(operation + "\n"));
        hash.AppendData(request);
        return hash.GetHashAndReset();
    }
}

internal enum ClaimOutcome
{
    /// <summary>The key is new: go on, then <see cref="IdempotencyStore.CompleteAsync"/>.</summary>
    Claimed,

    /// <summary>The same request was answered before: <see cref="IdempotencyClaim.Answer"/> is that answer.</summary>
    Replay,

    /// <summary>The key was used with a different request.</summary>
    Reused,
}

internal readonly record struct IdempotencyClaim(ClaimOutcome Outcome, ReplayableJson? Answer);
