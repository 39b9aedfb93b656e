using System.Net;
using AccountService.Telemetry;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Stripe;

namespace AccountService.Billing;

/// <summary>
/// The Polly pipelines Stripe lookups run through. <see cref="Guarded"/>: a circuit breaker on the share of lookups
/// that fail Stripe-wide (a failure ratio over a sampling window, with a minimum throughput; open for
/// <c>Stripe:FailureCooldown</c>, then one probe), around a total timeout of <c>Stripe:TimeBudget</c> that
/// includes Stripe.net's own retries. <see cref="BudgetOnly"/>: the same timeout without the breaker, for a customer
/// whose failure the breaker has already counted in this window.
/// </summary>
internal static class StripeResilience
{
    public const string Guarded = "stripe-guarded";
    public const string BudgetOnly = "stripe-budget";

    public static IServiceCollection AddStripeResilience(this IServiceCollection services)
    {
        // The breaker's state, which the lookup reads to decide whether a customer may bypass the breaker.
        services.AddSingleton<CircuitBreakerStateProvider>();
        services.AddServiceGauge(
            "accountservice.stripe_breaker_open",
            "1 while the Stripe circuit breaker is open or probing, else 0.",
            provider => provider.GetRequiredService<CircuitBreakerStateProvider>().CircuitState == CircuitState.Closed ? 0 : 1);
        services.AddResilienceEnricher();
        services.AddResiliencePipeline(Guarded, (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<StripeOptions>>().Value;
            var state = context.ServiceProvider.GetRequiredService<CircuitBreakerStateProvider>();
            pipeline.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            pipeline
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                {
                    FailureRatio = options.BreakerFailureRatio,
                    MinimumThroughput = options.BreakerMinimumThroughput,
                    SamplingDuration = options.BreakerSamplingDuration,
                    BreakDuration = options.FailureCooldown,
                    StateProvider = state,

                    // A probe abandoned by every caller proves nothing: the breaker opens again rather than closes.
                    ShouldHandle = args => ValueTask.FromResult(
                        IsStripeWide(args.Outcome.Exception)
                        || (args.Outcome.Exception is OperationCanceledException && state.CircuitState == CircuitState.HalfOpen)),
                })
                .AddTimeout(options.TimeBudget);
        });
        services.AddResiliencePipeline(BudgetOnly, (pipeline, context) =>
        {
            pipeline.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<StripeOptions>>().Value.TimeBudget);
        });
        return services;
    }

    /// <summary>
    /// Trouble that would hit any customer: the time budget ran out, no connection, 429 or 5xx. A 404 or another
    /// 4xx concerns one customer and never counts.
    /// </summary>
    public static bool IsStripeWide(Exception? exception) => exception switch
    {
        TimeoutRejectedException or HttpRequestException => true,
        StripeException { HttpStatusCode: HttpStatusCode.TooManyRequests } => true,
        StripeException stripe => (int)stripe.HttpStatusCode >= 500,
        _ => false,
    };
}
