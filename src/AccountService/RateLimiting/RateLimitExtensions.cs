using System.Globalization;
using System.Threading.RateLimiting;
using AccountService.Auth;
using AccountService.Configuration;
using AccountService.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AccountService.RateLimiting;

internal static class RateLimitExtensions
{
    public static IHostApplicationBuilder AddAccountRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.Section)
            .ValidateSelfOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AccountRateLimiter>();
        return builder;
    }

    /// <summary>
    /// Per account for authenticated callers, per client IP for everyone else (missing or failed credentials,
    /// unknown routes), so guessing keys from one address cannot use up an account's budget. Health probes are exempt.
    /// Runs after authentication and before authorization: the credential is checked once and the result reused.
    /// </summary>
    public static IApplicationBuilder UseAccountRateLimits(this IApplicationBuilder app) =>
        app.Use((context, next) => context.RequestServices.GetRequiredService<AccountRateLimiter>().InvokeAsync(context, next));
}

internal sealed class AccountRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<Target> _limiter;
    private readonly RateLimitOptions _options;

    public AccountRateLimiter(IOptions<RateLimitOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _limiter = PartitionedRateLimiter.Create<Target, string>(target =>
            RateLimitPartition.Get(target.Key, _ => new AlignedWindowRateLimiter(target.Limit, RateLimitOptions.Window, time)));
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is not null && endpoint.Metadata.GetMetadata<IAuthorizeData>() is null)
        {
            await next(context);
            return;
        }

        var target = await TargetOfAsync(context, endpoint is not null);
        using var lease = (WindowLease)_limiter.AttemptAcquire(target);
        var seconds = (int)Math.Ceiling(lease.ResetsIn.TotalSeconds);
        var headers = context.Response.Headers;
        var windowSeconds = (int)RateLimitOptions.Window.TotalSeconds;
        headers["RateLimit-Policy"] = string.Create(CultureInfo.InvariantCulture, $"\"{target.Policy}\";q={lease.Limit};w={windowSeconds}");
        headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture, $"\"{target.Policy}\";r={lease.Remaining};t={seconds}");
        if (lease.IsAcquired)
        {
            await next(context);
            return;
        }

        await context.RequestServices.GetRequiredService<ApiErrors>().WriteAsync(
            context,
            ErrorCodes.RateLimited,
            $"Rate limit of {lease.Limit} requests per {windowSeconds} seconds exceeded. Retry after {seconds} seconds.",
            retryAfter: lease.ResetsIn);
    }

    public void Dispose() => _limiter.Dispose();

    private async Task<Target> TargetOfAsync(HttpContext context, bool requiresAuthentication)
    {
        if (requiresAuthentication)
        {
            var result = await context.AuthenticateAsync(AuthSchemes.Bearer);
            if (result.Succeeded && result.Principal is { } principal)
            {
                return new Target($"account:{principal.GetAccountId()}", "default", _options.PerAccountPerMinute);
            }
        }

        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return new Target($"ip:{ip}", "ip", _options.PerIpPerMinute);
    }

    private readonly record struct Target(string Key, string Policy, int Limit);
}
