namespace AccountService.Billing;

/// <summary>
/// The card Stripe last showed for a customer, so a restart during a Stripe outage can still answer with it. Only
/// what OrbitKit shows is kept (payment method id, brand, last four digits, expiry), never anything else of the card;
/// a row with no card records that the customer had none.
/// </summary>
internal sealed class LastKnownCard
{
    public required string StripeCustomerId { get; init; }

    public string? PaymentMethodId { get; init; }

    public string? Brand { get; init; }

    public string? Last4 { get; init; }

    public int? ExpMonth { get; init; }

    public int? ExpYear { get; init; }

    /// <summary>When Stripe last showed a different card (or none) for the customer.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
