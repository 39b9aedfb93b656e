using AccountService.Data;
using Npgsql;

namespace AccountService.Accounts;

/// <summary>
/// What the account endpoints read of an account: every column the responses use, nothing else. <see cref="Columns"/>
/// and <see cref="Read"/> say how a statement selects it, so a new column is added here and in the entity only.
/// </summary>
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
    /// <summary>The select list <see cref="Read"/> expects, of the <c>accounts</c> row named <paramref name="alias"/>.</summary>
    public static string Columns(string alias) =>
        string.Join(", ", ColumnNames.Select(column => $"{alias}.{column}"));

    /// <summary>An account from the current row of <paramref name="row"/>, whose columns from <paramref name="first"/> on are <see cref="Columns"/>.</summary>
    public static AccountRow Read(NpgsqlDataReader row, int first) => new(
        row.GetString(first),
        row.GetString(first + 1),
        StoredNames.Tier.Parse(row.GetString(first + 2)),
        StoredNames.Status.Parse(row.GetString(first + 3)),
        row.GetFieldValue<DateTimeOffset>(first + 4),
        StoredNames.BillingType.Parse(row.GetString(first + 5)),
        Text(row, first + 6),
        Text(row, first + 7),
        Text(row, first + 8),
        Text(row, first + 9),
        Text(row, first + 10));

    private static readonly string[] ColumnNames =
    [
        "id", "name", "tier", "status", "created_at", "billing_type", "stripe_customer_id", "stripe_subscription_id",
        "aws_customer_identifier", "aws_license_arn", "aws_subscription_status",
    ];

    private static string? Text(NpgsqlDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);
}

/// <summary>What <c>GET /api/account</c> reads: the account's status, its Stripe customer and each app's seat.</summary>
internal sealed record AccountSeats(AccountStatus Status, string? StripeCustomerId, List<SeatRow> Seats);

internal sealed record SeatRow(
    string AppId,
    string AppName,
    Billing.PlanType PlanType,
    Billing.SubscriptionStatus Status,
    bool CancelAtPeriodEnd,
    DateTimeOffset? CurrentPeriodEnd);
