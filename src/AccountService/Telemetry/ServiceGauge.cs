using System.Diagnostics.Metrics;

namespace AccountService.Telemetry;

/// <summary>
/// A gauge of the service's own, read from the component that owns the state when a scrape or an export asks. Each
/// component registers its gauges where it registers itself (<c>AddServiceGauge</c>), so a host
/// without the component (the operator CLI) has none of its gauges, and this folder depends on no component.
/// </summary>
internal sealed record ServiceGauge(string Name, string Description, Func<IServiceProvider, IEnumerable<Measurement<int>>> Observe);

internal static class ServiceGauges
{
    /// <summary>A gauge with one value, read from <paramref name="services"/> at each observation.</summary>
    public static IServiceCollection AddServiceGauge(
        this IServiceCollection services, string name, string description, Func<IServiceProvider, int> observe) =>
        services.AddServiceGauge(name, description, provider => [new Measurement<int>(observe(provider))]);

    /// <summary>A gauge that may have no value (it is then absent from a scrape).</summary>
    public static IServiceCollection AddServiceGauge(
        this IServiceCollection services, string name, string description, Func<IServiceProvider, IEnumerable<Measurement<int>>> observe)
    {
        services.AddSingleton(new ServiceGauge(name, description, observe));
        return services.AddServiceMetrics();
    }
}
