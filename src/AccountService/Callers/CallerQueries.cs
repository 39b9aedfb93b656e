using AccountService.Accounts;
using AccountService.Billing;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Callers;

/// <summary>
/// The reads behind caller resolution, each one compiled query with one round trip. Nothing else in the service reads
/// <c>api_keys</c> or <c>accounts</c> to answer a request.
/// </summary>
internal static class CallerQueries
{
    /// <summary>A key by its id (primary key), joined to its account (primary key); null when the id is unknown.</summary>
    public static async Task<(KeyRecord Key, AccountRow Account)?> KeyWithAccountAsync(AccountDbContext db, string keyId, CancellationToken ct)
    {
        var row = await KeyWithAccount(db, keyId, ct);
        return row is null
            ? null
            : (new KeyRecord(row.AccountId, row.SecretHash, row.RevokedAt is not null, row.LastUsedAt), AccountRow.From(row.Account));
    }

    public static async Task<AccountRow?> AccountAsync(AccountDbContext db, string accountId, CancellationToken ct) =>
        AccountRow.From(await AccountById(db, accountId, ct));

    /// <summary>
    /// The account's Stripe customer and its apps' seats in one query: flat rows of account, app and seat (an account
    /// without apps is one row with no app), ordered by app name, then app id, both in byte order (the same on every
    /// database collation). Null when the account does not exist.
    /// </summary>
    public static async Task<AccountSeats?> SeatsAsync(AccountDbContext db, string accountId, CancellationToken ct)
    {
        var rows = await SeatsById(db, accountId).ToListAsync(ct);
        if (rows.Count == 0)
        {
            return null;
        }

        var seats = rows
            .Where(r => r.AppId is not null && r.PlanType is not null)
            .Select(r => new SeatRow(r.AppId!, r.AppName!, r.PlanType!.Value, r.Status!.Value, r.CancelAtPeriodEnd!.Value, r.CurrentPeriodEnd))
            .ToList();
        return new AccountSeats(rows[0].StripeCustomerId, seats);
    }

    private static readonly Func<AccountDbContext, string, CancellationToken, Task<KeyQueryRow?>> KeyWithAccount =
        EF.CompileAsyncQuery((AccountDbContext db, string keyId, CancellationToken ct) =>
            (from k in db.ApiKeys.AsNoTracking()
             join a in db.Accounts.AsNoTracking() on k.AccountId equals a.Id
             where k.KeyId == keyId
             select new KeyQueryRow(k.AccountId, k.SecretHash, k.RevokedAt, k.LastUsedAt, a))
            .SingleOrDefault());

    private static readonly Func<AccountDbContext, string, CancellationToken, Task<Account?>> AccountById =
        EF.CompileAsyncQuery((AccountDbContext db, string accountId, CancellationToken ct) =>
            db.Accounts.AsNoTracking().SingleOrDefault(a => a.Id == accountId));

    private static readonly Func<AccountDbContext, string, IAsyncEnumerable<SeatQueryRow>> SeatsById =
        EF.CompileAsyncQuery((AccountDbContext db, string accountId) =>
            from a in db.Accounts.AsNoTracking()
            where a.Id == accountId
            from app in db.Apps.AsNoTracking().Where(app => app.AccountId == a.Id).DefaultIfEmpty()
            from seat in db.AppSubscriptions.AsNoTracking().Where(seat => seat.AppId == app!.Id).DefaultIfEmpty()
            orderby EF.Functions.Collate(app!.Name, "C"), EF.Functions.Collate(app.Id, "C")
            select new SeatQueryRow(
                a.StripeCustomerId,
                app.Id,
                app.Name,
                (PlanType?)seat!.PlanType,
                (SubscriptionStatus?)seat.Status,
                (bool?)seat.CancelAtPeriodEnd,
                seat.CurrentPeriodEnd));

    private sealed record KeyQueryRow(string AccountId, byte[] SecretHash, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, Account Account);

    private sealed record SeatQueryRow(
        string? StripeCustomerId,
        string? AppId,
        string? AppName,
        PlanType? PlanType,
        SubscriptionStatus? Status,
        bool? CancelAtPeriodEnd,
        DateTimeOffset? CurrentPeriodEnd);
}

/// <summary>What resolving an API key needs of its row: never the key's name, and only a hash of its secret.</summary>
internal sealed record KeyRecord(string AccountId, byte[] SecretHash, bool Revoked, DateTimeOffset? LastUsedAt);
