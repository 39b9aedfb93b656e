using AccountService.Callers;
using AccountService.Configuration;
using AccountService.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

internal static class CallerExtensions
{
    /// <summary>
    /// Caller resolution from memory, kept current by the database's change notifications, and the batched
    /// <c>last_used_at</c> writer. Needs the API key hasher (<c>AddApiKeyHashing</c>, which <c>AddAccountAuth</c> calls).
    /// </summary>
    public static IHostApplicationBuilder AddCallers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CacheOptions>()
            .BindConfiguration(CacheOptions.Section)
            .ValidateSelfOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CallerCache>();
        builder.Services.AddServiceGauge(
            "accountservice.cached_callers", "Callers held in memory.", services => services.GetRequiredService<CallerCache>().Count);
        builder.Services.AddServiceGauge(
            "accountservice.change_listener_up",
            "1 while the change listener is connected, else 0.",
            services => services.GetRequiredService<CallerCache>().IsListening ? 1 : 0);
        builder.Services.AddSingleton<ChangeNotifications>();
        builder.Services.AddSingleton<CallerQueries>();
        builder.Services.AddSingleton<CallerResolver>();
        builder.Services.AddSingleton<KeyUsageRecorder>();
        builder.Services.AddHostedService(services => services.GetRequiredService<KeyUsageRecorder>());
        builder.Services.AddHostedService<ChangeListener>();
        return builder;
    }
}
