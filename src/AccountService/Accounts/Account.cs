using AccountService.Billing;

namespace AccountService.Accounts;

/// <summary>An account row. Wire shapes are separate records; storage columns never leave the server.</summary>
internal sealed class Account
{
    public required string Id { get; init; }

    public required string Name { get; set; }

    public AccountTier Tier { get; set; }

    public AccountStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public BillingType BillingType { get; set; }

    public string? StripeCustomerId { get; set; }

    public string? StripeSubscriptionId { get; set; }

    public string? AwsCustomerIdentifier { get; set; }

    public string? AwsLicenseArn { get; set; }

    public string? AwsSubscriptionStatus { get; set; }

    public List<App> Apps { get; } = [];
}
