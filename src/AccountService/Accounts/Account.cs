using System.Text.Json.Serialization;
using AccountService.Billing;

namespace AccountService.Accounts;

/// <summary>
/// An account row. Wire shapes are separate records (<see cref="AccountRow"/> is what the endpoints read of it); the
/// operator CLI's <c>--json</c> output is the row itself.
/// </summary>
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

    [JsonIgnore]
    public List<App> Apps { get; } = [];
}
