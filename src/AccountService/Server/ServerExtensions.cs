using System.Text;
using AccountService.Configuration;
using AccountService.Errors;
using AccountService.Server;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

internal static class ServerExtensions
{
    /// <summary>Kestrel limits and header decoding, forwarded-header trust, the clock.</summary>
    public static IHostApplicationBuilder AddServerDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);

        // On SIGTERM Kestrel stops accepting and in-flight requests get this long to finish (Server:ShutdownTimeout).
        builder.Services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section).ValidateSelfOnStart();
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<ServerOptions>>((host, server) =>
            host.ShutdownTimeout = server.Value.ShutdownTimeout);
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ServerOptions>>((options, server) =>
        {
            options.AddServerHeader = false;

            // Kestrel answers a header with non-ASCII bytes with a bare 400 before any of our code runs; decoded as
            // Latin-1 the request reaches the pipeline, where auth rejects the credential with the envelope.
            options.RequestHeaderEncodingSelector = _ => Encoding.Latin1;

            // The account endpoints take no body and a few small headers; a client that trickles its headers is cut off.
            options.Limits.MaxRequestBodySize = 64 * 1024;
            options.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            options.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            options.Limits.MaxRequestHeaderCount = 64;

            // Idle connections are closed and their number bounded, so idle clients cannot hold sockets without end.
            options.Limits.KeepAliveTimeout = server.Value.KeepAliveTimeout;
            options.Limits.MaxConcurrentConnections = server.Value.MaxConcurrentConnections;

            // One HTTP/2 connection may carry as many requests at once as the process takes (running and queued), so a
            // burst of streams is answered, or shed with 503 by LoadShedding, in the envelope. A client may open streams
            // before it has read this limit; Kestrel refuses those beyond it and queues each refusal on the connection's
            // output queue, which holds only twice the limit: at Kestrel's default of 100, a burst of a few hundred
            // streams overflows it, the connection is cut with a Critical log line, and every stream on it fails.
            options.Limits.Http2.MaxStreamsPerConnection = server.Value.MaxStreamsPerConnection;
        });

        builder.Services.AddRequestTimeouts();
        builder.Services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<ServerOptions>>((options, server) =>
            options.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = server.Value.RequestTimeout,
                WriteTimeoutResponse = context => Unavailable(context, "The request took too long. Try again shortly."),
            });
        builder.Services.AddSingleton<LoadShedding>();

        builder.Services.AddOptions<TrustedProxyOptions>()
            .BindConfiguration(TrustedProxyOptions.Section)
            .ValidateSelfOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((options, settings) =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;

            // Only the configured gateways: not even loopback is trusted, so X-Forwarded-For cannot be forged to dodge
            // the per-IP limit.
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
            foreach (var proxy in settings.Value.Addresses)
            {
                options.KnownProxies.Add(proxy);
            }
        });
        return builder;
    }

    internal static Task Unavailable(HttpContext context, string message) =>
        context.RequestServices.GetRequiredService<ApiErrors>()
            .WriteAsync(context, ErrorCodes.ServiceUnavailable, message);
}
