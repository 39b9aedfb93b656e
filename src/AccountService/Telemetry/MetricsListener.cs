using AccountService.Errors;
using Microsoft.AspNetCore.Http.Features;
using OpenTelemetry.Metrics;

namespace AccountService.Telemetry;

/// <summary>
/// <c>GET /metrics</c> in Prometheus' text format on a listener of its own (<c>Metrics:Url</c>), never on the API's
/// port: the gateway routes only the API's port, so metrics are not reachable from outside however it is configured.
/// Every other path on this listener is a 404 in the envelope. Scrapes are not counted as requests.
/// </summary>
internal sealed partial class MetricsListener(
    MeterProvider meterProvider,
    ServiceMetrics metrics,
    ApiErrors errors,
    IConfiguration configuration,
    ILoggerFactory loggerFactory,
    ILogger<MetricsListener> logger)
    : IHostedService, IAsyncDisposable
{
    public const string UrlSetting = "Metrics:Url";
    public const string DefaultUrl = "http://127.0.0.1:9464";
    public const string Path = "/metrics";

    private WebApplication? _app;

    /// <summary>The address it listens on once started (the port chosen when <c>Metrics:Url</c> asks for port 0).</summary>
    public Uri? Address { get; private set; }

    /// <summary>The configured URL, or null when metrics are turned off (the setting is present and empty).</summary>
    public static string? Url(IConfiguration configuration) => configuration[UrlSetting] switch
    {
        null => DefaultUrl,
        { } url when string.IsNullOrWhiteSpace(url) => null,
        { } url => url,
    };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var url = Url(configuration)!;
        _ = metrics; // the service's gauges exist from the start, before any request made the instruments' owners

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls(url);
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddLogging();
        _app = builder.Build();
        _app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider,
            predicate: null,
            path: Path,
            configureBranchedPipeline: branch => branch.Use((context, next) =>
            {
                // Scrapes are not API requests: leave them out of http.server.request.duration.
                if (context.Features.Get<IHttpMetricsTagsFeature>() is { } tags)
                {
                    tags.MetricsDisabled = true;
                }

                return next(context);
            }),
            optionsName: null);
        _app.Run(context =>
        {
            if (context.Features.Get<IHttpMetricsTagsFeature>() is { } tags)
            {
                tags.MetricsDisabled = true;
            }

            return errors.WriteAsync(context, ErrorCodes.NotFound, $"This listener serves {Path} only.");
        });
        await _app.StartAsync(cancellationToken);
        Address = new Uri(_app.Urls.First());
        var scrapeUrl = new Uri(Address, Path);
        LogListening(logger, scrapeUrl);
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        _app is null ? Task.CompletedTask : _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [LoggerMessage(EventId = 80, Level = LogLevel.Information, Message = "Serving metrics on {Url}")]
    private static partial void LogListening(ILogger logger, Uri url);
}
