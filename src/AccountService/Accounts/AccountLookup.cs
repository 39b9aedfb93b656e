using AccountService.Data;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Accounts;

/// <summary>Loads the caller's account: one no-tracking projection of exactly the columns the responses use.</summary>
internal sealed class AccountLookup(AccountDbContext db)
{
    public Task<AccountRow?> FindAsync(string accountId, CancellationToken ct) =>
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
