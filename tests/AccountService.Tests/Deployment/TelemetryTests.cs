using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AccountService.Tests.Deployment;

/// <summary>
/// OpenTelemetry is on only when OTEL_EXPORTER_OTLP_ENDPOINT is set. That nothing is exported without it is shown by
/// what the service registers: with no tracer or meter provider, no exporter exists to send anything, wherever the
/// other OTEL_* variables point. (PublishedServiceTests shows the exports arriving when it is set.)
/// </summary>
public sealed class TelemetryTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task WithoutAnOtlpEndpointNothingIsCollectedOrExported()
    {
        var settings = new Dictionary<string, string?>
        {
            // Reachable-looking signal-specific settings must not turn export on by themselves.
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = $"http://127.0.0.1:{PostgresServer.FreeLoopbackPort()}/v1/traces",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();

        Assert.Null(factory.Services.GetService<TracerProvider>());
        Assert.Null(factory.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task WithAnOtlpEndpointTracesAndMetricsAreCollected()
    {
        var settings = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{PostgresServer.FreeLoopbackPort()}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();

        Assert.NotNull(factory.Services.GetService<TracerProvider>());
        Assert.NotNull(factory.Services.GetService<MeterProvider>());
    }
}
