using System.ComponentModel;

namespace AccountService.Billing;

/// <summary>The caller's payment card. Nothing outside Billing/ sees Stripe's types.</summary>
internal interface IBillingLookup
{
    Task<CardLookup> GetCardAsync(string? stripeCustomerId, CancellationToken ct);

    /// <summary>Forgets the customer's card, cached and stored, so the next lookup asks the provider again.</summary>
    Task ForgetCardAsync(string stripeCustomerId, CancellationToken ct);
}

/// <summary>A card as OrbitKit shows it.</summary>
[ImmutableObject(true)]
internal sealed record PaymentCard(string Id, string Brand, string Last4, long ExpMonth, long ExpYear);

/// <summary>The card if there is one, or that the payment provider could not be asked in time.</summary>
internal sealed record CardLookup(PaymentCard? Card, bool ProviderUnavailable)
{
    public static readonly CardLookup NoCard = new(null, ProviderUnavailable: false);
    public static readonly CardLookup Unavailable = new(null, ProviderUnavailable: true);

    public static CardLookup Of(PaymentCard? card) => card is null ? NoCard : new CardLookup(card, ProviderUnavailable: false);
}
