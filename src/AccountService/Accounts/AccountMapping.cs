using System.Globalization;
using AccountService.Billing;
using AccountService.Data;

namespace AccountService.Accounts;

/// <summary>Account rows to wire shapes: pure functions, no I/O.</summary>
internal static class AccountMapping
{
    public static RunloopAccountResponse ToRunloop(AccountRow account)
    {
        var billingType = StoredNames.BillingType.ToText(account.BillingType);

        // A billing block is present when it has something to say, null otherwise (the SDK allows both).
        var stripe = account.StripeCustomerId is null && account.StripeSubscriptionId is null
            ? null
            : new RunloopStripeBilling(account.StripeCustomerId, account.StripeSubscriptionId);
        var aws = account.AwsCustomerIdentifier is null && account.AwsLicenseArn is null && account.AwsSubscriptionStatus is null
            ? null
            : new RunloopAwsBilling(account.AwsCustomerIdentifier, account.AwsLicenseArn, account.AwsSubscriptionStatus);

        // The deprecated top-level mirrors are derived from the same values, so they always agree with billing.
        return new RunloopAccountResponse(
            account.Id,
            account.Name,
            "ACCOUNT_TIER_" + StoredNames.Tier.ToText(account.Tier),
            "ACCOUNT_STATUS_" + StoredNames.Status.ToText(account.Status),
            FormatTimestamp(account.CreatedAt),
            new RunloopBilling(billingType, stripe, aws, stripe?.CustomerId),
            stripe?.CustomerId,
            stripe?.ActiveSubscription,
            billingType,
            aws?.CustomerIdentifier);
    }

    public static OrbitKitAccountResponse ToOrbitKit(AccountSeats account, PaymentCard? card) => new(
        card is null ? null : new OrbitKitPaymentMethod(card.Id, card.Brand, card.Last4, (int)card.ExpMonth, (int)card.ExpYear),
        [.. account.Seats.Select(seat => new OrbitKitSubscription(
            seat.AppId,
            seat.AppName,
            StoredNames.PlanType.ToText(seat.PlanType),
            StoredNames.SubscriptionStatus.ToText(seat.Status),
            seat.CancelAtPeriodEnd,
            seat.CurrentPeriodEnd?.ToUnixTimeSeconds() ?? 0))]);

    /// <summary>RFC 3339 UTC with milliseconds, e.g. <c>2024-05-01T12:34:56.789Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
