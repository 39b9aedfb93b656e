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
    private static readonly Func<AccountDbContext, string, CancellationToken, Task<AccountRow?>> ById =
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
                .SingleOrDefault());

    public Task<AccountRow?> FindAsync(string accountId, CancellationToken ct) =>
        _known?.Id == accountId ? Task.FromResult<AccountRow?>(_known) : ById(db, accountId, ct);

    /// <summary>Keeps a row read during this request (by authentication) for <see cref="FindAsync"/>.</summary>
    public void Remember(AccountRow account) => _known = account;

    /// <summary>
    /// The account's Stripe customer and its apps' seats in one query, ordered by app name (byte order, so the same
    /// on every database collation), then app id.
    /// </summary>
    public Task<AccountSeats?> FindSeatsAsync(string accountId, CancellationToken ct) =>
        db.Accounts.AsNoTracking()
            .Where(a => a.Id == accountId)
            .Select(a => new AccountSeats(
                a.StripeCustomerId,
                a.Apps
                    .Where(app => app.Subscription != null)
                    .OrderBy(app => EF.Functions.Collate(app.Name, "C"))
                    .ThenBy(app => app.Id)
                    .Select(app => new SeatRow(
                        app.Id,
                        app.Name,
                        app.Subscription!.PlanType,
                        app.Subscription.Status,
                        app.Subscription.CancelAtPeriodEnd,
                        app.Subscription.CurrentPeriodEnd))
                    .ToList()))
            .SingleOrDefaultAsync(ct);
}

/// <summary>What the account endpoints read of an account.</summary>
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
    string? AwsSubscriptionStatus);

/// <summary>What <c>GET /api/account</c> reads: the Stripe customer and each app's seat.</summary>
internal sealed record AccountSeats(string? StripeCustomerId, List<SeatRow> Seats);

internal sealed record SeatRow(
    string AppId,
    string AppName,
    PlanType PlanType,
    SubscriptionStatus Status,
    bool CancelAtPeriodEnd,
    DateTimeOffset? CurrentPeriodEnd);
