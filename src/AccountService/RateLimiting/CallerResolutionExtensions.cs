using AccountService.Callers;
using AccountService.RateLimiting;
using AccountService.Server;

namespace Microsoft.AspNetCore.Builder;

internal static class CallerResolutionExtensions
{
    /// <summary>
    /// Resolves the caller and spends its budget, in one step whose order is the protection: the per-IP gate for failed
    /// credentials is set before any credential is looked up, then bearer authentication runs (the only place it runs:
    /// no default scheme is set, and authorization reuses this result) and puts the caller's account on the request
    /// (<see cref="CallerResolver.Attach"/>), then the budget is spent: per account for authenticated callers, per
    /// client IP for everyone else (missing or failed credentials, unknown routes, wrong methods), so guessing keys from
    /// one address cannot use up an account's budget. Probes
    /// (<see cref="ProbeMetadata"/>: the health endpoints) are exempt, and so are requests correctly signed for an
    /// <see cref="ISignedEndpoint"/> (Stripe's webhook deliveries).
    /// </summary>
    /// <remarks>
    /// This step is the pipeline's authentication, so the app is marked as having it: otherwise
    /// <see cref="WebApplication"/> puts the framework's authentication middleware in front of every request. That
    /// middleware authenticates nothing here (no default scheme, no remote-authentication handler), yet it costs every
    /// request a handler cache of its own (a scoped service), a feature and a scheme lookup. The mark is the one its
    /// own <c>UseAuthentication</c> sets.
    /// </remarks>
    public static IApplicationBuilder UseCallerResolution(this IApplicationBuilder app)
    {
        app.Properties[AuthenticationMiddlewareSet] = true;
        return app.Use((context, next) => context.RequestServices.GetRequiredService<AccountRateLimiter>().InvokeAsync(context, next));
    }

    private const string AuthenticationMiddlewareSet = "__AuthenticationMiddlewareSet";
}
