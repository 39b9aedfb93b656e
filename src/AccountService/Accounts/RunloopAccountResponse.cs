using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace AccountService.Accounts;

/// <summary>Runloop's AccountView (<c>GET /v1/accounts/me</c>). Every name is pinned: the contract is snake_case.</summary>
public sealed record RunloopAccountResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [AllowedValues(
        "ACCOUNT_TIER_INVALID", "ACCOUNT_TIER_BASIC", "ACCOUNT_TIER_PRO", "ACCOUNT_TIER_ENTERPRISE", "ACCOUNT_TIER_TRIAL",
        "UNRECOGNIZED")]
    [property: JsonPropertyName("tier")] string Tier,
    [AllowedValues(
        "ACCOUNT_STATUS_INVALID", "ACCOUNT_STATUS_ONBOARDING", "ACCOUNT_STATUS_ENABLED", "ACCOUNT_STATUS_DISABLED_BY_ADMIN",
        "ACCOUNT_STATUS_DISABLED_QUOTA_REACHED", "ACCOUNT_STATUS_TRIAL_CANCELLED", "ACCOUNT_STATUS_STRIPE_PENDING_RESOURCES",
        "UNRECOGNIZED")]
    [property: JsonPropertyName("account_status")] string AccountStatus,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("billing")] RunloopBilling Billing,
    [property: JsonPropertyName("stripe_customer_id")] string? StripeCustomerId,
    [property: JsonPropertyName("active_subscription")] string? ActiveSubscription,
    [AllowedValues("STRIPE", "AWS_MARKETPLACE", "STRIPE_PROJECTS", "UNRECOGNIZED")]
    [property: JsonPropertyName("account_billing_type")] string AccountBillingType,
    [property: JsonPropertyName("external_billing_account_id")] string? ExternalBillingAccountId);

/// <summary>The account's billing: who bills it, and the Stripe and AWS Marketplace details when there are any.</summary>
public sealed record RunloopBilling(
    [AllowedValues("STRIPE", "AWS_MARKETPLACE", "STRIPE_PROJECTS", "UNRECOGNIZED")]
    [property: JsonPropertyName("account_billing_type")] string AccountBillingType,
    [property: JsonPropertyName("stripe")] RunloopStripeBilling? Stripe,
    [property: JsonPropertyName("aws")] RunloopAwsBilling? Aws,
    [property: JsonPropertyName("stripe_customer_id")] string? StripeCustomerId);

public sealed record RunloopStripeBilling(
    [property: JsonPropertyName("customer_id")] string? CustomerId,
    [property: JsonPropertyName("active_subscription")] string? ActiveSubscription);

public sealed record RunloopAwsBilling(
    [property: JsonPropertyName("customer_identifier")] string? CustomerIdentifier,
    [property: JsonPropertyName("license_arn")] string? LicenseArn,
    [property: JsonPropertyName("subscription_status")] string? SubscriptionStatus);
