using AccountService.Billing;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Accounts;

/// <summary>
/// Loads the caller's account: one no-tracking projection of exactly the columns the responses use. Request-scoped:
/// when authentication already read the row (an API key is looked up joined to its account), it is reused instead
/// of asked for again.
/// </summary>
internal sealed class AccountLookup(AccountDbContext db)
{
    private AccountRow? _known;

    /// <summary>Compiled once: this query runs on every <c>/v1/accounts/me</c> with a JWT (bench/run measured it).</summary>
    private static readonly Func<AccountDbContext, string, CancellationToken, Task<Account?>> ById =
        EF.CompileAsyncQuery((AccountDbContext db, string accountId, CancellationToken ct) =>
            db.Accounts.AsNoTracking().SingleOrDefault(a => a.Id == accountId));

    public async Task<AccountRow?> FindAsync(string accountId, CancellationToken ct) =>
        _known?.Id == accountId ? _known : AccountRow.From(await ById(db, accountId, ct));

    /// <summary>Keeps a row read during this request (by authentication) for <see cref="FindAsync"/>.</summary>
    public void Remember(AccountRow account) => _known = account;

    /// <summary>
    /// The account's Stripe customer and its apps' seats in one query: flat rows of account, app and seat (an account
    /// without apps is one row with no app), ordered by app name (byte order, the same on every database collation),
    /// then app id. Null when the account does not exist.
    /// </summary>
    public async Task<AccountSeats?> FindSeatsAsync(string accountId, CancellationToken ct)
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

    private static readonly Func<AccountDbContext, string, IAsyncEnumerable<SeatQueryRow>> SeatsById =
        EF.CompileAsyncQuery((AccountDbContext db, string accountId) =>
            from a in db.Accounts.AsNoTracking()
            where a.Id == accountId
            from app in db.Apps.AsNoTracking().Where(app => app.AccountId == a.Id).DefaultIfEmpty()
            from seat in db.AppSubscriptions.AsNoTracking().Where(seat => seat.AppId == app!.Id).DefaultIfEmpty()
            orderby EF.Functions.Collate(app!.Name, "C"), app.Id
            select new SeatQueryRow(
                a.StripeCustomerId,
                app.Id,
                app.Name,
                (PlanType?)seat!.PlanType,
                (SubscriptionStatus?)seat.Status,
                (bool?)seat.CancelAtPeriodEnd,
                seat.CurrentPeriodEnd));

    private sealed record SeatQueryRow(
        string? StripeCustomerId,
        string? AppId,
        string? AppName,
        PlanType? PlanType,
        SubscriptionStatus? Status,
        bool? CancelAtPeriodEnd,
        DateTimeOffset? CurrentPeriodEnd);
}

/// <summary>What the account endpoints read of an account: every column the responses use, nothing else.</summary>
internal sealed record AccountRow(
    string Id,
    string Name,
    AccountTier Tier,
    AccountStatus Status,
    DateTimeOffset CreatedAt,
    BillingType BillingType,
    string? StripeCustomerId,
    string? StripeSubscriptionId,
    string? AwsCustomerIdentifier,
    string? AwsLicenseArn,
    string? AwsSubscriptionStatus)
{
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(account))]
    public static AccountRow? From(Account? account) => account is null ? null : new(
        account.Id,
        account.Name,
        account.Tier,
        account.Status,
        account.CreatedAt,
        account.BillingType,
        account.StripeCustomerId,
        account.StripeSubscriptionId,
        account.AwsCustomerIdentifier,
        account.AwsLicenseArn,
        account.AwsSubscriptionStatus);
}

/// <summary>What <c>GET /api/account</c> reads: the Stripe customer and each app's seat.</summary>
internal sealed record AccountSeats(string? StripeCustomerId, List<SeatRow> Seats);

internal sealed record SeatRow(
    string AppId,
    string AppName,
    PlanType PlanType,
    SubscriptionStatus Status,
    bool CancelAtPeriodEnd,
    DateTimeOffset? CurrentPeriodEnd);
