using System.ComponentModel.DataAnnotations;

namespace AccountService.Accounts;

/// <summary>OrbitKit's account details (<c>GET /api/account</c>): camelCase from the web defaults.</summary>
public sealed record OrbitKitAccountResponse(
    OrbitKitPaymentMethod? PaymentMethod,
    IReadOnlyList<OrbitKitSubscription> Subscriptions);

/// <summary>The customer's card: Stripe payment method id, brand, last four digits and expiry.</summary>
public sealed record OrbitKitPaymentMethod(string Id, string Brand, string Last4, int ExpMonth, int ExpYear);

/// <summary>One app's seat; <c>currentPeriodEnd</c> is Unix seconds, 0 when the seat has no period.</summary>
public sealed record OrbitKitSubscription(
    string AppId,
    string AppName,
    [AllowedValues("monthly", "yearly")] string PlanType,
    [AllowedValues("none", "active", "past_due", "canceled")] string Status,
    bool CancelAtPeriodEnd,
    long CurrentPeriodEnd);
