using System.ComponentModel;
using System.Net;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Stripe;

namespace AccountService.Billing;

/// <summary>
/// The customer's card from Stripe: the customer with <c>invoice_settings.default_payment_method</c> expanded, else
/// its first card payment method. Answers are cached per customer (one Stripe call however many requests wait for
/// it); each lookup has a time budget that includes Stripe.net's retries, after which the last card seen is used,
/// or the provider is reported unavailable, and for a cooldown after such a failure lookups answer that way at once.
/// Stripe failures never escape as exceptions.
/// </summary>
internal sealed partial class StripeBillingLookup : IBillingLookup, IDisposable
{
    private static readonly CustomerGetOptions CustomerWithDefaultCard = new() { Expand = ["invoice_settings.default_payment_method"] };
    private static readonly CustomerPaymentMethodListOptions FirstCard = new() { Type = "card", Limit = 1 };

    private readonly StripeClient _stripe;
    private readonly HybridCache _cache;
    private readonly HybridCacheEntryOptions _entryOptions;
    private readonly TimeSpan _budget;
    private readonly TimeSpan _cooldown;
    private readonly TimeProvider _time;
    private readonly ILogger<StripeBillingLookup> _logger;

    // Until when (TimeProvider timestamp) Stripe is considered down after a failure; 0 when it is not.
    private long _coolingDownUntil;

    // The last answer per customer, kept past the cache TTL so an outage can still be answered from it.
    private readonly MemoryCache _lastKnown = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public StripeBillingLookup(
        StripeClient stripe,
        HybridCache cache,
        IOptions<StripeOptions> options,
        TimeProvider time,
        ILogger<StripeBillingLookup> logger)
    {
        _stripe = stripe;
        _cache = cache;
        _time = time;
        _logger = logger;
        _budget = options.Value.TimeBudget;
        _cooldown = options.Value.FailureCooldown;
        _entryOptions = new HybridCacheEntryOptions
        {
            Expiration = options.Value.CardCacheTtl,
            LocalCacheExpiration = options.Value.CardCacheTtl,
        };
    }

    public async Task<CardLookup> GetCardAsync(string? stripeCustomerId, CancellationToken ct)
    {
        if (stripeCustomerId is null)
        {
            return CardLookup.NoCard;
        }

        // Stripe failed moments ago: answer from what is known now rather than wait on it (or on a call in flight).
        if (_time.GetTimestamp() < Interlocked.Read(ref _coolingDownUntil))
        {
            return LastKnown(stripeCustomerId);
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(_budget);
        try
        {
            var known = await _cache.GetOrCreateAsync(
                $"stripe:card:{stripeCustomerId}",
                (Lookup: this, CustomerId: stripeCustomerId),
                static (state, token) => state.Lookup.FetchAsync(state.CustomerId, token),
                _entryOptions,
                cancellationToken: budget.Token);
            return CardLookup.Of(known.Card);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && IsProviderFailure(ex))
        {
            Interlocked.Exchange(ref _coolingDownUntil, _time.GetTimestamp() + (long)(_cooldown.TotalSeconds * _time.TimestampFrequency));
            LogProviderFailed(_logger, stripeCustomerId, ex.GetType().Name, (ex as StripeException)?.HttpStatusCode, _cooldown);
            return LastKnown(stripeCustomerId);
        }
    }

    private CardLookup LastKnown(string customerId) =>
        _lastKnown.TryGetValue(customerId, out KnownCard? known) && known is not null
            ? CardLookup.Of(known.Card)
            : CardLookup.Unavailable;

    public void Dispose() => _lastKnown.Dispose();

    private async ValueTask<KnownCard> FetchAsync(string customerId, CancellationToken ct)
    {
        var known = new KnownCard(await FetchCardAsync(customerId, ct));
        _lastKnown.Set(customerId, known, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromDays(1) });
        return known;
    }

    private async Task<PaymentCard?> FetchCardAsync(string customerId, CancellationToken ct)
    {
        Customer customer;
        try
        {
            customer = await _stripe.V1.Customers.GetAsync(customerId, CustomerWithDefaultCard, requestOptions: null, ct);
        }
        catch (StripeException ex) when (ex.HttpStatusCode == HttpStatusCode.NotFound)
        {
            LogCustomerMissing(_logger, customerId, "unknown");
            return null;
        }

        if (customer.Deleted == true)
        {
            LogCustomerMissing(_logger, customerId, "deleted");
            return null;
        }

        if (ToCard(customer.InvoiceSettings?.DefaultPaymentMethod) is { } defaultCard)
        {
            return defaultCard;
        }

        var cards = await _stripe.V1.Customers.PaymentMethods.ListAsync(customerId, FirstCard, requestOptions: null, ct);
        return cards.Data.Select(ToCard).FirstOrDefault(card => card is not null);
    }

    private static PaymentCard? ToCard(PaymentMethod? method) =>
        method?.Card is { } card
            ? new PaymentCard(method.Id, card.Brand, card.Last4, card.ExpMonth, card.ExpYear)
            : null;

    // Network failures and timeouts arrive as HttpRequestException and cancellations, not as StripeException.
    private static bool IsProviderFailure(Exception ex) =>
        ex is StripeException or HttpRequestException or OperationCanceledException or TimeoutException;

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Stripe customer {CustomerId} is {State}; answering with no payment method")]
    private static partial void LogCustomerMissing(ILogger logger, string customerId, string state);

    // Once per failure, not per request: for the cooldown that follows, lookups answer from the last known cards quietly.
    [LoggerMessage(EventId = 31, Level = LogLevel.Warning,
        Message = "Stripe did not answer for customer {CustomerId} ({Failure}, status {Status}); answering from last known cards for {Cooldown}")]
    private static partial void LogProviderFailed(ILogger logger, string customerId, string failure, HttpStatusCode? status, TimeSpan cooldown);

    /// <summary>What is cached for a customer: the card, or null when the customer has none.</summary>
    [ImmutableObject(true)]
    internal sealed record KnownCard(PaymentCard? Card);
}
