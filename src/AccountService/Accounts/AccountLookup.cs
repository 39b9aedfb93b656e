using AccountService.Callers;

namespace AccountService.Accounts;

/// <summary>
/// The caller's account for one request: the row authentication resolved when it had to (an API key), else the
/// resolver's answer for the account id.
/// </summary>
internal sealed class AccountLookup(CallerResolver callers)
{
    private AccountRow? _known;

    public ValueTask<AccountRow?> FindAsync(string accountId, CancellationToken ct) =>
        _known?.Id == accountId ? ValueTask.FromResult<AccountRow?>(_known) : callers.FindAccountAsync(accountId, ct);

    /// <summary>Keeps the row authentication resolved for <see cref="FindAsync"/>.</summary>
    public void Remember(AccountRow account) => _known = account;

    /// <inheritdoc cref="CallerResolver.FindSeatsAsync"/>
    public ValueTask<AccountSeats?> FindSeatsAsync(string accountId, CancellationToken ct) => callers.FindSeatsAsync(accountId, ct);
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
    Billing.PlanType PlanType,
    Billing.SubscriptionStatus Status,
    bool CancelAtPeriodEnd,
    DateTimeOffset? CurrentPeriodEnd);
