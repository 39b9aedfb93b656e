using System.Globalization;
using System.Threading.RateLimiting;
using AccountService.Auth;
using AccountService.Callers;
using AccountService.Errors;
using AccountService.Server;
using AccountService.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace AccountService.RateLimiting;

internal sealed class AccountRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<Target> _limiter;
    private readonly RateLimitOptions _options;
    private readonly SharedBudgets _shared;
    private readonly TimeProvider _time;
    private readonly ServiceMetrics _metrics;
    private readonly CallerResolver _callers;

    public AccountRateLimiter(
        IOptions<RateLimitOptions> options, SharedBudgets shared, TimeProvider time, ServiceMetrics metrics, CallerResolver callers)
    {
        _metrics = metrics;
        _callers = callers;
        _options = options.Value;
        _shared = shared;
        _time = time;
        _limiter = PartitionedRateLimiter.Create<Target, string>(target =>
            RateLimitPartition.Get(target.Key, _ => new AlignedWindowRateLimiter(target.Limit, RateLimitOptions.Window, time)));
    }

    /// <summary>The order every request takes; each step is one line here.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var endpoint = context.GetEndpoint();
        if (context.IsProbe())
        {
            await next(context);
            return;
        }

        // 0. A request signed for its route (Stripe's webhook) spends no budget; an unsigned one goes on like any other.
        if (endpoint?.Metadata.GetMetadata<ISignedEndpoint>() is { } signed && await signed.IsSignedAsync(context))
        {
            await next(context);
            return;
        }

        // 1. The per-IP budget for failed credentials: once it is spent, callers are resolved from memory only. Asked
        //    only when a credential is not in memory, so a known caller's request does not wait on it.
        var target = IpTarget(context);
        context.Features.Set<CallerResolution>(new FailedCredentialGate(this, target));

        // 2. Resolve the caller: authentication, through the caller resolver; the caller's account goes on the request.
        if (endpoint?.Metadata.GetMetadata<IAuthorizeData>() is not null
            && await context.AuthenticateAsync(AuthSchemes.Bearer) is { Succeeded: true, Principal: { } principal })
        {
            var accountId = principal.GetAccountId();
            _callers.Attach(context, accountId);
            target = new Target($"account:{accountId}", "default", _options.PerAccountPerMinute, "account");
        }

        // 3. The budget: the account's for a resolved caller, the IP's for everyone else.
        using var lease = await AcquireAsync(target);
        _metrics.RateLimitDecision(target.Budget, lease.IsAcquired);
        var seconds = (int)Math.Ceiling(lease.ResetsIn.TotalSeconds);
        var headers = context.Response.Headers;
        var windowSeconds = (int)RateLimitOptions.Window.TotalSeconds;
        headers["RateLimit-Policy"] = string.Create(CultureInfo.InvariantCulture, $"\"{target.Policy}\";q={lease.Limit};w={windowSeconds}");
        headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture, $"\"{target.Policy}\";r={lease.Remaining};t={seconds}");
        if (!lease.IsAcquired)
        {
            await context.RequestServices.GetRequiredService<ApiErrors>().WriteAsync(
                context,
                ErrorCodes.RateLimited,
                $"Rate limit of {lease.Limit} requests per {windowSeconds} seconds exceeded. Retry after {seconds} seconds.",
                retryAfter: lease.ResetsIn);
            return;
        }

        // 4. The endpoint.
        await next(context);
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>One request from the budget: the one all replicas share when Redis is there, else this replica's.</summary>
    private async ValueTask<WindowLease> AcquireAsync(Target target)
    {
        var now = _time.GetUtcNow();
        var window = now.UtcTicks / RateLimitOptions.Window.Ticks;
        if (await _shared.AcquireAsync(target.Key, target.Limit, window, RateLimitOptions.Window) is { } shared)
        {
            var resetsIn = TimeSpan.FromTicks(((window + 1) * RateLimitOptions.Window.Ticks) - now.UtcTicks);
            return new WindowLease(shared.Acquired, target.Limit, shared.Remaining, resetsIn);
        }

        return (WindowLease)_limiter.AttemptAcquire(target);
    }

    private async ValueTask<bool> IsSpentAsync(Target target)
    {
        var window = _time.GetUtcNow().UtcTicks / RateLimitOptions.Window.Ticks;
        return await _shared.IsSpentAsync(target.Key, target.Limit, window)
            ?? _limiter.GetStatistics(target)?.CurrentAvailablePermits <= 0;
    }

    private Target IpTarget(HttpContext context) =>
        new($"ip:{context.Connection.RemoteIpAddress?.ToString() ?? "unknown"}", "ip", _options.PerIpPerMinute, "ip");

    // Budget: the metrics label, account or ip.
    private readonly record struct Target(string Key, string Policy, int Limit, string Budget);

    /// <summary>Lets a credential be looked up in the database only while the client's failed-credential budget lasts.</summary>
    private sealed class FailedCredentialGate(AccountRateLimiter limiter, Target target) : CallerResolution
    {
        public override async ValueTask<bool> MayLookUpAsync() => !await limiter.IsSpentAsync(target);
    }
}
