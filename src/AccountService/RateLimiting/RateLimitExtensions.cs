using AccountService.Configuration;
using AccountService.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

internal static class RateLimitExtensions
{
    public static IHostApplicationBuilder AddAccountRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.Section)
            .ValidateSelfOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WindowBudgets>();
        builder.Services.AddSingleton<AccountRateLimiter>();
        return builder;
    }
}
