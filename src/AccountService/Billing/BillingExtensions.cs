using AccountService.Billing;
using AccountService.Configuration;
using AccountService.Redis;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using Stripe;

namespace Microsoft.Extensions.DependencyInjection;

internal static class BillingExtensions
{
    private const string StripeHttpClient = "Stripe";

    /// <summary>
    /// The payment card lookup: one <see cref="StripeClient"/> over an <see cref="IHttpClientFactory"/> client, a
    /// per-customer card cache (HybridCache), the last known cards in PostgreSQL, and Polly's breaker and time budget
    /// around every Stripe lookup. Without <c>Stripe:SecretKey</c> the service starts with one warning and shows no cards.
    /// Stripe's signed webhooks and <c>stripe sync</c> keep seats and cards as Stripe has them; without
    /// <c>Stripe:WebhookSecret</c> the webhook route answers 404.
    /// </summary>
    public static IHostApplicationBuilder AddBilling(this IHostApplicationBuilder builder)
    {
        builder.AddStripeSync();

        // HybridCache: cards in this replica's memory, and in the shared Redis as a second level when one is configured
        // (a card fetched by one replica is served by all); cards forgotten anywhere are dropped everywhere.
        builder.Services.AddHybridCache();
        if (RedisOptions.IsEnabled(builder.Configuration))
        {
            builder.Services.AddStackExchangeRedisCache(_ => { });
            builder.Services.AddOptions<RedisCacheOptions>().Configure<SharedRedis>((cache, redis) =>
            {
                cache.InstanceName = "accountservice:";
                cache.ConnectionMultiplexerFactory = () => Task.FromResult(redis.Multiplexer);
            });
        }

        builder.Services.AddStripeResilience();
        builder.Services.AddSingleton<LastKnownCards>();
        builder.Services.AddServiceMetrics();
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
    /// What <c>stripe sync</c> needs, and all the operator CLI registers of billing: <c>Stripe:*</c> settings, one
    /// <see cref="StripeClient"/> over an <see cref="IHttpClientFactory"/> client, and the one
    /// <see cref="SubscriptionSync"/>. Nothing here depends on the server's caller cache, Redis or hosted services, so
    /// the CLI's service graph passes the validation Development turns on.
    /// </summary>
    public static IHostApplicationBuilder AddStripeSync(this IHostApplicationBuilder builder)
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

        builder.Services.AddScoped<SubscriptionSync>();
        return builder;
    }
}
