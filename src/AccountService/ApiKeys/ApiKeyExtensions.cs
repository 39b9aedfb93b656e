using AccountService.Data;
using Microsoft.AspNetCore.DataProtection;

namespace AccountService.ApiKeys;

internal static class ApiKeyExtensions
{
    /// <summary>The rules of API keys (<see cref="ApiKeyService"/>), shared by the CLI and the API. Needs the key hasher.</summary>
    public static IHostApplicationBuilder AddApiKeyRules(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ApiKeyService>();
        return builder;
    }

    /// <summary>
    /// Self-service API keys over HTTP: the shared rules, the <c>Idempotency-Key</c> store and its purge, and Data
    /// Protection with its key ring in PostgreSQL, so every replica can read the answers any of them stored.
    /// </summary>
    public static IHostApplicationBuilder AddApiKeys(this IHostApplicationBuilder builder)
    {
        builder.AddApiKeyRules();
        builder.Services.AddScoped<IdempotencyStore>();
        builder.Services.AddHostedService<IdempotencyPurge>();

        // One application name for every replica, whatever its content root: they share one key ring.
        builder.Services.AddDataProtection()
            .SetApplicationName("AccountService")
            .PersistKeysToDbContext<AccountDbContext>();
        return builder;
    }
}
