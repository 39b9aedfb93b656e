using AccountService.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.DependencyInjection;

internal static class TelemetryExtensions
{
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Metrics of ASP.NET Core, outgoing HTTP (Stripe), Npgsql, the runtime (GC, memory) and the service's own
    /// (<see cref="ServiceMetrics"/>): served for Prometheus on <c>Metrics:Url</c> (<see cref="MetricsListener"/>; an
    /// empty setting turns it off), and with traces exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// The OTLP exporter reads the other standard <c>OTEL_*</c> settings (protocol, headers, service name) itself. With
    /// neither, nothing is collected.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddServiceMetrics();
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[EndpointSetting]);
        var scrape = MetricsListener.Url(builder.Configuration) is not null;
        if (!otlp && !scrape)
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("accountservice"))
            .WithMetrics(metrics =>
            {
                // ASP.NET Core's request histogram (Hosting), connections (Kestrel) and handled exceptions
                // (Diagnostics); not its meters that record on every request and that no dashboard or alert reads
                // (routing, authentication, authorization, the memory pool), nor Hosting's in-flight request count
                // (two updates per request; the histogram's rate times its latency says as much).
                metrics
                    .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics")
                    .AddView("http.server.active_requests", MetricStreamConfiguration.Drop)
                    .AddHttpClientInstrumentation()
                    // Npgsql's pool gauges and its command-duration histogram; not its counters that every command
                    // updates several times over (commands executing, bytes read, bytes written), which no dashboard
                    // or alert reads.
                    .AddMeter("Npgsql")
                    .AddView("db.client.operation.npgsql.executing", MetricStreamConfiguration.Drop)
                    .AddView("db.client.operation.npgsql.bytes_read", MetricStreamConfiguration.Drop)
                    .AddView("db.client.operation.npgsql.bytes_written", MetricStreamConfiguration.Drop)
                    .AddMeter("System.Runtime")
                    .AddMeter(ServiceMetrics.MeterName);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }

                if (scrape)
                {
                    // Every scrape reads the instruments afresh: nothing is served from an earlier scrape.
                    metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter());
        }

        if (scrape)
        {
            builder.Services.AddSingleton<MetricsListener>();
            builder.Services.AddHostedService(services => services.GetRequiredService<MetricsListener>());
        }

        return builder;
    }

    /// <summary>The service's instruments; the components that own their events ask for it.</summary>
    public static IServiceCollection AddServiceMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton<ServiceMetrics>();
        return services;
    }
}
