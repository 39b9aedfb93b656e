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
    /// <summary>A key by its id (primary key) with its account (primary key), in one statement; null when the id is unknown.</summary>
    public static Task<KeyWithAccount?> KeyWithAccountAsync(AccountDbContext db, string keyId, CancellationToken ct) =>
        KeyWithAccountById(db, keyId, ct);

    /// <summary>An account by its id, exactly the columns the responses use.</summary>
    public static Task<AccountRow?> AccountAsync(AccountDbContext db, string accountId, CancellationToken ct) =>
        AccountById(db, accountId, ct);

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
        return new AccountSeats(rows[0].AccountStatus, rows[0].StripeCustomerId, seats);
    }

    private static readonly Func<AccountDbContext, string, CancellationToken, Task<KeyWithAccount?>> KeyWithAccountById =
        EF.CompileAsyncQuery((AccountDbContext db, string keyId, CancellationToken ct) =>
            (from k in db.ApiKeys.AsNoTracking()
             join a in db.Accounts.AsNoTracking() on k.AccountId equals a.Id
             where k.KeyId == keyId
             select new KeyWithAccount(
                 new KeyRecord(k.AccountId, k.SecretHash, k.RevokedAt != null, k.LastUsedAt),
                 new AccountRow(
                     a.Id,
                     a.Name,
                     a.Tier,
                     a.Status,
                     a.CreatedAt,
                     a.BillingType,
                     a.StripeCustomerId,
                     a.StripeSubscriptionId,
                     a.AwsCustomerIdentifier,
                     a.AwsLicenseArn,
                     a.AwsSubscriptionStatus)))
            .FirstOrDefault());

    private static readonly Func<AccountDbContext, string, CancellationToken, Task<AccountRow?>> AccountById =
        EF.CompileAsyncQuery((AccountDbContext db, string accountId, CancellationToken ct) =>
            db.Accounts.AsNoTracking()
                .Where(a => a.Id == accountId)
                .Select(a => new AccountRow(
                    a.Id,
                    a.Name,
                    a.Tier,
                    a.Status,
                    a.CreatedAt,
                    a.BillingType,
                    a.StripeCustomerId,
                    a.StripeSubscriptionId,
                    a.AwsCustomerIdentifier,
                    a.AwsLicenseArn,
                    a.AwsSubscriptionStatus))
                .FirstOrDefault());

    private static readonly Func<AccountDbContext, string, IAsyncEnumerable<SeatQueryRow>> SeatsById =
        EF.CompileAsyncQuery((AccountDbContext db, string accountId) =>
            from a in db.Accounts.AsNoTracking()
            where a.Id == accountId
            from app in db.Apps.AsNoTracking().Where(app => app.AccountId == a.Id).DefaultIfEmpty()
            from seat in db.AppSubscriptions.AsNoTracking().Where(seat => seat.AppId == app!.Id).DefaultIfEmpty()
            orderby EF.Functions.Collate(app!.Name, "C"), EF.Functions.Collate(app.Id, "C")
            select new SeatQueryRow(
                a.Status,
                a.StripeCustomerId,
                app.Id,
                app.Name,
                (PlanType?)seat!.PlanType,
                (SubscriptionStatus?)seat.Status,
                (bool?)seat.CancelAtPeriodEnd,
                seat.CurrentPeriodEnd));

    private sealed record SeatQueryRow(
        AccountStatus AccountStatus,
        string? StripeCustomerId,
        string? AppId,
        string? AppName,
        PlanType? PlanType,
        SubscriptionStatus? Status,
        bool? CancelAtPeriodEnd,
        DateTimeOffset? CurrentPeriodEnd);
}

/// <summary>A key and its account, as one statement reads them.</summary>
internal sealed record KeyWithAccount(KeyRecord Key, AccountRow Account);

/// <summary>What resolving an API key needs of its row: never the key's name, and only a hash of its secret.</summary>
internal sealed record KeyRecord(string AccountId, byte[] SecretHash, bool Revoked, DateTimeOffset? LastUsedAt);
