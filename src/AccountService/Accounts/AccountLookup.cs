using AccountService.Auth;
using AccountService.Callers;

namespace AccountService.Accounts;

/// <summary>
/// The caller's account for one request: what authentication resolved (an API key reads its account with it), else
/// the resolver's answer for the principal's account id (a JWT), kept on the request as a <see cref="ResolvedCaller"/>.
/// </summary>
internal sealed class AccountLookup(CallerResolver callers)
{
    public async ValueTask<AccountRow?> FindAsync(HttpContext context, CancellationToken ct) =>
        (await CallerAsync(context, ct))?.Account;

    /// <inheritdoc cref="CallerResolver.FindSeatsAsync"/>
    public ValueTask<AccountSeats?> FindSeatsAsync(HttpContext context, CancellationToken ct) =>
        context.Features.Get<ResolvedCaller>() is { } caller
            ? callers.FindSeatsAsync(caller.Account.Id, caller.State, ct)
            : callers.FindSeatsAsync(context.User.GetAccountId(), known: null, ct);

    private async ValueTask<ResolvedCaller?> CallerAsync(HttpContext context, CancellationToken ct)
    {
        if (context.Features.Get<ResolvedCaller>() is { } resolved)
        {
            return resolved;
        }

        resolved = await callers.FindAccountAsync(context.User.GetAccountId(), ct);
        context.Features.Set(resolved);
        return resolved;
    }
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
    string? AwsSubscriptionStatus);

/// <summary>What <c>GET /api/account</c> reads: the account's status, its Stripe customer and each app's seat.</summary>
internal sealed record AccountSeats(AccountStatus Status, string? StripeCustomerId, List<SeatRow> Seats);

internal sealed record SeatRow(
    string AppId,
    string AppName,
    Billing.PlanType PlanType,
    Billing.SubscriptionStatus Status,
    bool CancelAtPeriodEnd,
    DateTimeOffset? CurrentPeriodEnd);
