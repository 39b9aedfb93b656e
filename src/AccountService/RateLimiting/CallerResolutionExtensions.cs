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
    public static IApplicationBuilder UseCallerResolution(this IApplicationBuilder app) =>
        app.Use((context, next) => context.RequestServices.GetRequiredService<AccountRateLimiter>().InvokeAsync(context, next));
}
