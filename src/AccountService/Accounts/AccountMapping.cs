using System.Collections.Frozen;
using System.Globalization;
using AccountService.Billing;
using AccountService.Data;

namespace AccountService.Accounts;

/// <summary>Account rows to wire shapes: pure functions, no I/O.</summary>
internal static class AccountMapping
{
    // Runloop's names are the stored ones behind a prefix: made once per value, not per response.
    private static readonly FrozenDictionary<AccountTier, string> RunloopTiers = Prefixed(StoredNames.Tier, "ACCOUNT_TIER_");
    private static readonly FrozenDictionary<AccountStatus, string> RunloopStatuses = Prefixed(StoredNames.Status, "ACCOUNT_STATUS_");

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
            RunloopTiers[account.Tier],
            RunloopStatuses[account.Status],
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
    public static string FormatTimestamp(DateTimeOffset value) => string.Create(24, value.UtcDateTime, static (chars, utc) =>
    {
        // "s" (yyyy-MM-ddTHH:mm:ss) is a formatter's fast path; a custom pattern is parsed on every call.
        utc.TryFormat(chars, out _, "s", CultureInfo.InvariantCulture);
        chars[19] = '.';
        utc.Millisecond.TryFormat(chars[20..], out _, "D3", CultureInfo.InvariantCulture);
        chars[23] = 'Z';
    });

    private static FrozenDictionary<T, string> Prefixed<T>(EnumText<T> names, string prefix)
        where T : struct, Enum =>
        Enum.GetValues<T>().ToFrozenDictionary(value => value, value => prefix + names.ToText(value));
}
