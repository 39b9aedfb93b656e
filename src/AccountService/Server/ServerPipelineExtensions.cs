using AccountService.Server;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

internal static class ServerPipelineExtensions
{
    /// <summary>Forwarded headers from known proxies, the request id, and headers every response carries.</summary>
    public static IApplicationBuilder UseServerDefaults(this IApplicationBuilder app)
    {
        // With no known proxy the middleware is left out: given empty lists it would believe every sender.
        if (app.ApplicationServices.GetRequiredService<IOptions<TrustedProxyOptions>>().Value.KnownProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.Use(RequestId.InvokeAsync);
        if (app.ApplicationServices.GetRequiredService<IConfiguration>().GetValue<bool>(RequestLog.Setting))
        {
            app.Use(ActivatorUtilities.CreateInstance<RequestLog>(app.ApplicationServices).InvokeAsync);
        }

        // Routing after the request id, so that its log lines carry the id too (left implicit, it would run first).
        app.UseRouting();
        app.Use((context, next) =>
        {
            context.Response.OnStarting(
                static state =>
                {
                    var headers = ((HttpContext)state).Response.Headers;
                    headers.XContentTypeOptions = "nosniff";

                    // Account data is private: no cache may keep it (health responses set their own).
                    if (!headers.ContainsKey("Cache-Control"))
                    {
                        headers.CacheControl = "no-store";
                    }

                    return Task.CompletedTask;
                },
                context);
            return next(context);
        });
        return app;
    }

    /// <summary>
    /// Every request gets at most <c>Server:RequestTimeout</c>, time spent waiting for a turn under load shedding
    /// included: its work (or its wait) is cancelled then and the caller gets a 503. Placed after the error envelope so
    /// timed-out and shed requests are answered in it.
    /// </summary>
    public static IApplicationBuilder UseRequestBounds(this IApplicationBuilder app)
    {
        app.UseRequestTimeouts();
        app.Use((context, next) => context.RequestServices.GetRequiredService<LoadShedding>().InvokeAsync(context, next));
        return app;
    }
}
