using System.ComponentModel;
using System.Net;
using System.Runtime.CompilerServices;
using AccountService.Telemetry;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using Stripe;

namespace AccountService.Billing;

/// <summary>
/// The customer's card from Stripe: the customer with <c>invoice_settings.default_payment_method</c> expanded, else
/// its first card payment method. Answers are cached per customer (one Stripe call however many requests wait for
/// it) and kept in PostgreSQL as the customer's last known card. Stripe is asked through <see cref="StripeResilience"/>:
/// when it cannot answer in time, or the breaker is open, the last known card is served, or the provider is
/// reported unavailable. Stripe failures never escape as exceptions.
/// </summary>
internal sealed partial class StripeBillingLookup : IBillingLookup, IDisposable
{
    private static readonly CustomerGetOptions CustomerWithDefaultCard = new() { Expand = ["invoice_settings.default_payment_method"] };
    private static readonly CustomerPaymentMethodListOptions FirstCard = new() { Type = "card", Limit = 1 };

    private readonly StripeClient _stripe;
    private readonly HybridCache _cache;
    private readonly HybridCacheEntryOptions _entryOptions;
    private readonly LastKnownCards _lastKnown;
    private readonly ResiliencePipeline _guarded;
    private readonly ResiliencePipeline _budgetOnly;
    private readonly CircuitBreakerStateProvider _breaker;
    private readonly TimeSpan _samplingDuration;
    private readonly ServiceMetrics _metrics;
    private readonly ILogger<StripeBillingLookup> _logger;

    // Customers whose Stripe-wide failure the breaker counted in the current sampling window.
    private readonly MemoryCache _counted = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public StripeBillingLookup(
        StripeClient stripe,
        HybridCache cache,
        LastKnownCards lastKnown,
        ResiliencePipelineProvider<string> pipelines,
        CircuitBreakerStateProvider breaker,
        IOptions<StripeOptions> options,
        ServiceMetrics metrics,
        ILogger<StripeBillingLookup> logger)
    {
        _stripe = stripe;
        _cache = cache;
        _lastKnown = lastKnown;
        _guarded = pipelines.GetPipeline(StripeResilience.Guarded);
        _budgetOnly = pipelines.GetPipeline(StripeResilience.BudgetOnly);
        _breaker = breaker;
        _samplingDuration = options.Value.BreakerSamplingDuration;
        _metrics = metrics;
        _logger = logger;
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

        try
        {
            var fetched = new StrongBox<bool>();
            var known = await _cache.GetOrCreateAsync(
                CacheKey(stripeCustomerId),
                (Lookup: this, CustomerId: stripeCustomerId, Fetched: fetched),
                static (state, token) =>
                {
                    state.Fetched.Value = true;
                    return state.Lookup.FetchAsync(state.CustomerId, token);
                },
                _entryOptions,
                CardTags,
                cancellationToken: ct);
            _metrics.CardLookup(fetched.Value ? CardSource.Stripe : CardSource.Memory);
            return CardLookup.Of(known.Card);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && IsProviderFailure(ex))
        {
            if (await _lastKnown.FindAsync(stripeCustomerId, ct) is not { } known)
            {
                return CardLookup.Unavailable;
            }

            _metrics.CardLookup(CardSource.LastKnown);
            return CardLookup.Of(known.Card);
        }
    }

    /// <summary>Drops what is known of the customer's card, cached and stored: the next lookup asks Stripe.</summary>
    public async Task ForgetCardAsync(string stripeCustomerId, CancellationToken ct)
    {
        await _cache.RemoveAsync(CacheKey(stripeCustomerId), ct);
        await _lastKnown.ForgetAsync(stripeCustomerId, ct);
    }

    /// <summary>
    /// Drops this replica's cached card (and the shared copy), after another replica or an operator forgot it: the
    /// database's change notification <c>c:&lt;customer id&gt;</c> brings it here.
    /// </summary>
    public ValueTask ForgetCachedCardAsync(string stripeCustomerId, CancellationToken ct) =>
        _cache.RemoveAsync(CacheKey(stripeCustomerId), ct);

    /// <summary>Drops every cached card, when notifications of forgotten cards may have been missed.</summary>
    public ValueTask ForgetCachedCardsAsync(CancellationToken ct) => _cache.RemoveByTagAsync(CardTag, ct);

    public void Dispose() => _counted.Dispose();

    private const string CardTag = "stripe:card";

    private static readonly string[] CardTags = [CardTag];

    private static string CacheKey(string customerId) => $"stripe:card:{customerId}";

    private async ValueTask<KnownCard> FetchAsync(string customerId, CancellationToken ct)
    {
        // A customer whose failure the breaker already counted in this window is not counted again, so one customer
        // alone never opens it; while the breaker is open or probing, that customer is refused like any other.
        var pipeline = _breaker.CircuitState == CircuitState.Closed && _counted.TryGetValue(customerId, out _) ? _budgetOnly : _guarded;
        PaymentCard? card;
        try
        {
            card = await pipeline.ExecuteAsync(
                static async (state, token) => await state.Lookup.FetchCardAsync(state.CustomerId, token),
                (Lookup: this, CustomerId: customerId),
                ct);
        }
        catch (Exception ex) when (StripeResilience.IsStripeWide(ex))
        {
            _counted.Set(customerId, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _samplingDuration });
            _metrics.StripeRequest(ex is TimeoutRejectedException ? "timeout" : "failed");
            LogProviderFailed(_logger, customerId, ex.GetType().Name, (ex as StripeException)?.HttpStatusCode);
            throw;
        }
        catch (Exception ex)
        {
            _metrics.StripeRequest(ex switch
            {
                BrokenCircuitException => "breaker_open",
                OperationCanceledException => "canceled",
                _ => "error",
            });
            throw;
        }

        _metrics.StripeRequest("success");

        _counted.Remove(customerId);
        await _lastKnown.SaveAsync(customerId, card, ct);
        return new KnownCard(card);
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

    // Network failures and timeouts arrive as HttpRequestException and cancellations, not as StripeException; an
    // open breaker and a spent budget as Polly's rejections.
    private static bool IsProviderFailure(Exception ex) =>
        ex is StripeException or HttpRequestException or OperationCanceledException or ExecutionRejectedException;

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Stripe customer {CustomerId} is {State}; answering with no payment method")]
    private static partial void LogCustomerMissing(ILogger logger, string customerId, string state);

    // Once per lookup that reached Stripe; lookups refused by the open breaker are not logged one by one.
    [LoggerMessage(EventId = 31, Level = LogLevel.Warning,
        Message = "Stripe did not answer for customer {CustomerId} ({Failure}, status {Status}); answering from the last known card")]
    private static partial void LogProviderFailed(ILogger logger, string customerId, string failure, HttpStatusCode? status);

    /// <summary>What is cached for a customer: the card, or null when the customer has none.</summary>
    [ImmutableObject(true)]
    internal sealed record KnownCard(PaymentCard? Card);
}
