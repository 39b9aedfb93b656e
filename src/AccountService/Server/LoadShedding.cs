using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace AccountService.Server;

/// <summary>
/// Bounds the work in the process: <c>Server:MaxConcurrentRequests</c> at once, <c>Server:MaxQueuedRequests</c>
/// waiting (oldest first), and a 503 with <c>Retry-After</c> beyond that instead of an unbounded queue. A waiting
/// request is still under <c>Server:RequestTimeout</c> (its RequestAborted fires then). Probes
/// (<see cref="ProbeMetadata"/>) pass, so an overloaded instance still reports on itself.
/// </summary>
internal sealed class LoadShedding(IOptions<ServerOptions> options) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrentRequests,
        QueueLimit = options.Value.MaxQueuedRequests,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.IsProbe())
        {
            await next(context);
            return;
        }

        using var lease = await _limiter.AcquireAsync(1, context.RequestAborted);
        if (!lease.IsAcquired)
        {
            await ServerExtensions.Unavailable(context, "The service is overloaded. Try again shortly.");
            return;
        }

        await next(context);
    }

    public void Dispose() => _limiter.Dispose();
}
