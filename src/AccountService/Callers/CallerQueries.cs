using AccountService.Accounts;
using AccountService.ApiKeys;
using AccountService.Data;
using Npgsql;
using NpgsqlTypes;

namespace AccountService.Callers;

/// <summary>
/// The reads behind caller resolution: each one prepared statement on the requests' pool, read straight into the
/// records the responses use (no context, no change tracking, no second read of a row). Nothing else in the service
/// reads <c>api_keys</c> or <c>accounts</c> to answer a request.
/// </summary>
internal sealed class CallerQueries(NpgsqlDataSource database)
{
    private static readonly string KeyWithAccountSql = $"""
        SELECT k.secret_hash, k.revoked_at IS NOT NULL, k.last_used_at, {AccountRow.Columns("a")}
        FROM api_keys k JOIN accounts a ON a.id = k.account_id
        WHERE k.key_id = $1
        """;

    private static readonly string AccountSql = $"SELECT {AccountRow.Columns("a")} FROM accounts a WHERE a.id = $1";

    // Flat rows of account, app and seat (an account without apps is one row with no app), ordered by app name, then
    // app id, both in byte order: the same on every database collation, and the order of ix_apps_account_id_name_id.
    private const string SeatsSql = """
        SELECT a.status, a.stripe_customer_id, p.id, p.name, s.plan_type, s.status, s.cancel_at_period_end, s.current_period_end
        FROM accounts a
        LEFT JOIN apps p ON p.account_id = a.id
        LEFT JOIN app_subscriptions s ON s.app_id = p.id
        WHERE a.id = $1
        ORDER BY p.name COLLATE "C", p.id COLLATE "C"
        """;

    /// <summary>A key by its id (primary key) with its account (primary key), in one statement; null when the id is unknown.</summary>
    public Task<KeyWithAccount?> KeyWithAccountAsync(string keyId, CancellationToken ct) =>
        ReadAsync(KeyWithAccountSql, new NpgsqlParameter { Value = keyId, NpgsqlDbType = NpgsqlDbType.Char }, ReadKey, ct);

    /// <summary>An account by its id, exactly the columns the responses use.</summary>
    public Task<AccountRow?> AccountAsync(string accountId, CancellationToken ct) =>
        ReadAsync(AccountSql, new NpgsqlParameter<string> { TypedValue = accountId }, ReadAccount, ct);

    /// <summary>
    /// The account's Stripe customer and its apps' seats in one statement, ordered by app name, then app id, in byte
    /// order. Null when the account does not exist.
    /// </summary>
    public Task<AccountSeats?> SeatsAsync(string accountId, CancellationToken ct) =>
        ReadAsync(SeatsSql, new NpgsqlParameter<string> { TypedValue = accountId }, ReadSeatsAsync, ct);

    private async Task<T?> ReadAsync<T>(
        string sql, NpgsqlParameter parameter, Func<NpgsqlDataReader, CancellationToken, ValueTask<T?>> read, CancellationToken ct)
        where T : class
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        try
        {
            await using var command = new NpgsqlCommand(sql, connection) { Parameters = { parameter } };
            // Prepared once per physical connection; later calls find it there and send only Bind and Execute.
            await command.PrepareAsync(ct);
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await read(reader, ct);
        }
        catch (Exception ex)
        {
            BrokenConnections.Observe(connection, ex);
            throw;
        }
    }

    private static async ValueTask<KeyWithAccount?> ReadKey(NpgsqlDataReader row, CancellationToken ct)
    {
        if (!await row.ReadAsync(ct))
        {
            return null;
        }

        var secretHash = row.GetFieldValue<byte[]>(0);
        var revoked = row.GetBoolean(1);
        DateTimeOffset? lastUsedAt = row.IsDBNull(2) ? null : row.GetFieldValue<DateTimeOffset>(2);
        var account = AccountRow.Read(row, 3);

        // The key's account id is its account's (the join's): one string held for both.
        return new KeyWithAccount(new KeyRecord(account.Id, secretHash, revoked, lastUsedAt), account);
    }

    private static async ValueTask<AccountRow?> ReadAccount(NpgsqlDataReader row, CancellationToken ct) =>
        await row.ReadAsync(ct) ? AccountRow.Read(row, 0) : null;

    private static async ValueTask<AccountSeats?> ReadSeatsAsync(NpgsqlDataReader row, CancellationToken ct)
    {
        AccountSeats? account = null;
        while (await row.ReadAsync(ct))
        {
            account ??= new AccountSeats(StoredNames.Status.Parse(row.GetString(0)), row.IsDBNull(1) ? null : row.GetString(1), []);
            if (row.IsDBNull(2) || row.IsDBNull(4))
            {
                continue;
            }

            account.Seats.Add(new SeatRow(
                row.GetString(2),
                row.GetString(3),
                StoredNames.PlanType.Parse(row.GetString(4)),
                StoredNames.SubscriptionStatus.Parse(row.GetString(5)),
                row.GetBoolean(6),
                row.IsDBNull(7) ? null : row.GetFieldValue<DateTimeOffset>(7)));
        }

        return account;
    }
}

/// <summary>A key and its account, as one statement reads them.</summary>
internal sealed record KeyWithAccount(KeyRecord Key, AccountRow Account);

/// <summary>
/// What resolving an API key needs of its row: never the key's name, and only a hash of its secret, held inline (no
/// array of its own per held key). It also remembers when this replica last claimed a write of the key's
/// <c>last_used_at</c> (<see cref="KeyUsageRecorder"/>), starting from the value read, which is not kept otherwise.
/// </summary>
internal sealed class KeyRecord
{
    private readonly SecretHashBytes _secretHash;

    // UTC ticks of the last write claimed, or of the value read; 0 when the key was never used.
    private long _writtenAt;

    public KeyRecord(string accountId, ReadOnlySpan<byte> secretHash, bool revoked, DateTimeOffset? lastUsedAt)
    {
        if (secretHash.Length != SecretHashBytes.Length)
        {
            throw new ArgumentException(
                $"A stored secret hash is {SecretHashBytes.Length} bytes, not {secretHash.Length}.", nameof(secretHash));
        }

        AccountId = accountId;
        secretHash.CopyTo(_secretHash);
        Revoked = revoked;
        _writtenAt = lastUsedAt?.UtcTicks ?? 0;
    }

    public string AccountId { get; }

    public bool Revoked { get; }

    /// <summary>The stored SHA-256 (or peppered HMAC-SHA-256) of the secret.</summary>
    public ReadOnlySpan<byte> SecretHash => _secretHash;

    /// <summary>
    /// True for exactly one use at <paramref name="now"/> or later once <paramref name="interval"/> has passed since the
    /// last write claimed (or read): that use's caller writes it.
    /// </summary>
    public bool TryClaimWrite(DateTimeOffset now, TimeSpan interval)
    {
        var writtenAt = Volatile.Read(ref _writtenAt);
        return now.UtcTicks - writtenAt >= interval.Ticks
            && Interlocked.CompareExchange(ref _writtenAt, now.UtcTicks, writtenAt) == writtenAt;
    }

    /// <summary>
    /// The stored hash, held in the record itself: every one is <see cref="ApiKeyHasher.HashSize"/> bytes (a check
    /// constraint says so).
    /// </summary>
    [System.Runtime.CompilerServices.InlineArray(Length)]
    private struct SecretHashBytes
    {
        public const int Length = ApiKeyHasher.HashSize;

        private byte _element;
    }
}
