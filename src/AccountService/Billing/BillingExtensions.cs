using AccountService.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Stripe;

namespace AccountService.Billing;

internal static class BillingExtensions
{
    private const string StripeHttpClient = "Stripe";

    /// <summary>
    /// The payment card lookup: one <see cref="StripeClient"/> over an <see cref="IHttpClientFactory"/> client, a
    /// per-customer card cache (HybridCache), the last known cards in PostgreSQL, and Polly's breaker and time budget
    /// around every Stripe lookup. Without <c>Stripe:SecretKey</c> the service starts with one warning and shows no cards.
    /// Stripe's signed webhooks keep seats and cards current; without <c>Stripe:WebhookSecret</c> their route answers 404.
    /// </summary>
    public static IHostApplicationBuilder AddBilling(this IHostApplicationBuilder builder)
    {
        builder.AddStripeApi();
        builder.Services.AddHybridCache();
        builder.Services.AddStripeResilience();
        builder.Services.AddSingleton<LastKnownCards>();
        builder.Services.AddSingleton<StripeBillingLookup>();
        builder.Services.AddSingleton<IBillingLookup>(services =>
            services.GetRequiredService<IOptions<StripeOptions>>().Value.HasSecretKey
                ? services.GetRequiredService<StripeBillingLookup>()
                : new NoPaymentProvider());
        builder.Services.AddStartupWarning(
            services => !services.GetRequiredService<IOptions<StripeOptions>>().Value.HasSecretKey,
            "No Stripe:SecretKey is configured: paymentMethod is null for every account");

        // Stripe's webhooks: the signature check, the event handler, and the purge of processed-event records.
        builder.Services.AddSingleton<StripeWebhookVerifier>();
        builder.Services.AddScoped<StripeEventHandler>();
        builder.Services.AddSingleton<ProcessedStripeEvents>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ProcessedStripeEvents>());
        builder.Services.AddStartupWarning(
            services => !services.GetRequiredService<IOptions<StripeOptions>>().Value.HasWebhookSecret,
            "No Stripe:WebhookSecret is configured: POST /webhooks/stripe answers 404");
        return builder;
    }

    /// <summary>
    /// Stripe's API and the subscription sync, also for the operator CLI (<c>stripe sync</c>): the options, one
    /// <see cref="StripeClient"/> over an <see cref="IHttpClientFactory"/> client.
    /// </summary>
    public static IHostApplicationBuilder AddStripeApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StripeOptions>()
            .BindConfiguration(StripeOptions.Section)
            .ValidateSelfOnStart();

        // Long-lived client: connections are recycled by the handler itself, so DNS changes are still picked up.
        builder.Services.AddHttpClient(StripeHttpClient)
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);

        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<StripeOptions>>().Value;
            var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(StripeHttpClient);
            return new StripeClient(new StripeClientOptions
            {
                ApiKey = options.SecretKey,
                ApiBase = options.ApiBase.ToString().TrimEnd('/'),
                HttpClient = new SystemNetHttpClient(http, options.MaxNetworkRetries, enableTelemetry: false),
            });
        });

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<SubscriptionSync>();
        return builder;
    }
}
