using System.Globalization;
using AccountService.Auth;
using AccountService.Callers;
using AccountService.Errors;
using AccountService.Server;
using AccountService.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace AccountService.RateLimiting;

internal sealed class AccountRateLimiter
{
    private readonly WindowBudgets _budgets;
    private readonly ServiceMetrics _metrics;
    private readonly CallerResolver _callers;
    private readonly ApiKeyAuthenticator _apiKeys;
    private readonly Policy _account;
    private readonly Policy _ip;

    public AccountRateLimiter(IOptions<RateLimitOptions> options, WindowBudgets budgets, ServiceMetrics metrics, CallerResolver callers, ApiKeyAuthenticator apiKeys)
    {
        _budgets = budgets;
        _metrics = metrics;
        _callers = callers;
        _apiKeys = apiKeys;
        _account = new Policy("default", options.Value.PerAccountPerMinute, RateLimitBudget.Account, "account");
        _ip = new Policy("ip", options.Value.PerIpPerMinute, RateLimitBudget.Ip, "ip");
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
        context.Features.Set<CallerResolution>(new FailedCredentialGate(this, context));

        // 2. Resolve the caller: authentication by the credential's scheme, through the caller resolver; the caller
        //    becomes the request's user (what authorization reads) and its account goes on the request.
        Policy policy;
        BudgetPartition partition;
        if (endpoint?.Metadata.GetMetadata<IAuthorizeData>() is not null
            && await AuthenticateAsync(context) is { Succeeded: true, Principal: { } principal } result)
        {
            ResolvedAuthentication.Set(context, result);
            var accountId = principal.GetAccountId();
            _callers.Attach(context, accountId);
            (policy, partition) = (_account, _account.Partition(accountId));
        }
        else
        {
            (policy, partition) = (_ip, _ip.Partition(ClientIp(context)));
        }

        // 3. The budget: the account's for a resolved caller, the IP's for everyone else.
        var lease = await _budgets.AcquireAsync(partition, policy.Limit);
        _metrics.RateLimitDecision(policy.Budget, lease.IsAcquired);
        var seconds = (int)Math.Ceiling(lease.ResetsIn.TotalSeconds);
        var headers = context.Response.Headers;
        headers["RateLimit-Policy"] = policy.Header;
        headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture, $"\"{policy.Name}\";r={lease.Remaining};t={seconds}");
        if (!lease.IsAcquired)
        {
            await context.RequestServices.GetRequiredService<ApiErrors>().WriteAsync(
                context,
                ErrorCodes.RateLimited,
                $"Rate limit of {lease.Limit} requests per {Policy.WindowSeconds} seconds exceeded. Retry after {seconds} seconds.",
                retryAfter: lease.ResetsIn);
            return;
        }

        // 4. The endpoint.
        await next(context);
    }

    // By the credential's scheme: an API key straight through its rules, a JWT through its scheme's handler.
    private Task<AuthenticateResult> AuthenticateAsync(HttpContext context)
    {
        var credential = BearerCredential.Read(context.Request);
        return AuthSchemes.For(credential) == AuthSchemes.ApiKey
            ? _apiKeys.AuthenticateAsync(context, credential)
            : context.AuthenticateAsync(AuthSchemes.Jwt);
    }

    private static string ClientIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>
    /// A budget's policy: its name in the RateLimit headers, its limit per window, whose budget it is, the kind of its
    /// partitions (<paramref name="kind"/>, part of their Redis keys), and its RateLimit-Policy header, the same on
    /// every answer.
    /// </summary>
    private sealed class Policy(string name, int limit, RateLimitBudget budget, string kind)
    {
        public static readonly int WindowSeconds = (int)RateLimitOptions.Window.TotalSeconds;

        public string Name => name;

        public int Limit => limit;

        public RateLimitBudget Budget => budget;

        public string Header { get; } = string.Create(CultureInfo.InvariantCulture, $"\"{name}\";q={limit};w={WindowSeconds}");

        /// <summary>The budget of one account or client IP under this policy.</summary>
        public BudgetPartition Partition(string id) => new(kind, id);
    }

    /// <summary>Lets a credential be looked up in the database only while the client's failed-credential budget lasts.</summary>
    private sealed class FailedCredentialGate(AccountRateLimiter limiter, HttpContext context) : CallerResolution
    {
        public override async ValueTask<bool> MayLookUpAsync() =>
            !await limiter._budgets.IsSpentAsync(limiter._ip.Partition(ClientIp(context)), limiter._ip.Limit);
    }
}
