namespace AccountService.Billing;

/// <summary>Used when no Stripe key is configured (a dev machine): nobody has a card.</summary>
internal sealed class NoPaymentProvider : IBillingLookup
{
    public Task<CardLookup> GetCardAsync(string? stripeCustomerId, CancellationToken ct) => Task.FromResult(CardLookup.NoCard);

    public Task ForgetCardAsync(string stripeCustomerId, CancellationToken ct) => Task.CompletedTask;
}
