namespace AccountService.Billing;

/// <summary>
/// A Stripe event already applied, so a redelivery changes nothing. Written in the same transaction as the change
/// the event made; rows older than <see cref="ProcessedStripeEvents.Retention"/> are purged.
/// </summary>
internal sealed class ProcessedStripeEvent
{
    public required string EventId { get; init; }

    public required string Type { get; init; }

    /// <summary>When Stripe created the event.</summary>
    public DateTimeOffset Created { get; init; }

    public DateTimeOffset ProcessedAt { get; init; }
}
