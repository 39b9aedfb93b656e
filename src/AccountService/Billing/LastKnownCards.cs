using AccountService.Data;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Billing;

/// <summary>
/// Each customer's last known card in PostgreSQL: written after every answer from Stripe, read when Stripe cannot be
/// asked. A scope per call, because lookups outlive the request that started them (concurrent callers share one).
/// </summary>
internal sealed class LastKnownCards(IServiceScopeFactory scopes)
{
    /// <summary>The last answer Stripe gave for the customer: a card or none; null when Stripe was never asked.</summary>
    public async Task<StripeBillingLookup.KnownCard?> FindAsync(string customerId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var row = await Db(scope).LastKnownCards.AsNoTracking()
            .Where(c => c.StripeCustomerId == customerId)
            .Select(c => new { c.PaymentMethodId, c.Brand, c.Last4, c.ExpMonth, c.ExpYear })
            .SingleOrDefaultAsync(ct);
        if (row is null)
        {
            return null;
        }

        return new StripeBillingLookup.KnownCard(row is { PaymentMethodId: { } id, Brand: { } brand, Last4: { } last4, ExpMonth: { } month, ExpYear: { } year }
            ? new PaymentCard(id, brand, last4, month, year)
            : null);
    }

    /// <summary>Records Stripe's answer; the row is rewritten only when the card changed.</summary>
    public async Task SaveAsync(string customerId, PaymentCard? card, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        int? month = card is null ? null : (int)card.ExpMonth;
        int? year = card is null ? null : (int)card.ExpYear;
        await Db(scope).Database.ExecuteSqlAsync(
            $"""
            INSERT INTO last_known_cards (stripe_customer_id, payment_method_id, brand, last4, exp_month, exp_year)
            VALUES ({customerId}, {card?.Id}, {card?.Brand}, {card?.Last4}, {month}, {year})
            ON CONFLICT (stripe_customer_id) DO UPDATE
            SET payment_method_id = excluded.payment_method_id, brand = excluded.brand, last4 = excluded.last4,
                exp_month = excluded.exp_month, exp_year = excluded.exp_year, updated_at = now()
            WHERE (last_known_cards.payment_method_id, last_known_cards.brand, last_known_cards.last4,
                   last_known_cards.exp_month, last_known_cards.exp_year)
                  IS DISTINCT FROM (excluded.payment_method_id, excluded.brand, excluded.last4, excluded.exp_month, excluded.exp_year)
            """,
            ct);
    }

    public async Task ForgetAsync(string customerId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await Db(scope).LastKnownCards.Where(c => c.StripeCustomerId == customerId).ExecuteDeleteAsync(ct);
    }

    private static AccountDbContext Db(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<AccountDbContext>();
}
