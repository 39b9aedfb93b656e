using System.Diagnostics.Metrics;
using AccountService.Configuration;
using AccountService.Health;
using AccountService.Redis;
using AccountService.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

internal static class RedisExtensions
{
    /// <summary>
    /// The optional shared Redis (<c>ConnectionStrings:Redis</c>): one budget per account across replicas. When it is
    /// configured, <c>/health/ready</c> reports it, as degraded while it cannot be reached.
    /// </summary>
    public static IHostApplicationBuilder AddSharedRedis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RedisOptions>()
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString = RedisOptions.From(configuration).ConnectionString)
            .ValidateSelfOnStart();
        builder.Services.AddSingleton<SharedRedis>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SharedRedis>());
        builder.Services.AddServiceGauge(
            "accountservice.shared_budgets_up",
            "1 while rate-limit budgets are shared through Redis, 0 while this replica counts alone; absent without Redis.",
            services => services.GetRequiredService<SharedRedis>() is { Configured: true } redis
                ? [new Measurement<int>(redis.Database is null ? 0 : 1)]
                : []);
        if (RedisOptions.IsEnabled(builder.Configuration))
        {
            builder.Services.AddHealthChecks().AddCheck<RedisReadinessCheck>(RedisReadinessCheck.Name, HealthStatus.Degraded, [HealthTags.Ready]);
        }

        return builder;
    }
}
