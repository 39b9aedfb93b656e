using AccountService.ApiKeys;
using AccountService.Configuration;
using AccountService.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

internal static class ApiKeyExtensions
{
    /// <summary>API key hashing (optional pepper from <c>Auth:ApiKeys:Pepper</c>), shared by the CLI and the API.</summary>
    public static IHostApplicationBuilder AddApiKeyHashing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>()
            .BindConfiguration(ApiKeyOptions.Section)
            .ValidateSelfOnStart();
        builder.Services.AddSingleton<ApiKeyHasher>();
        return builder;
    }

    /// <summary>The rules of API keys (<see cref="ApiKeyService"/>), shared by the CLI and the API. Needs the key hasher.</summary>
    public static IHostApplicationBuilder AddApiKeyRules(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ApiKeyService>();
        return builder;
    }

    /// <summary>
    /// Self-service API keys over HTTP: the shared rules, the <c>Idempotency-Key</c> store and its purge, and Data
    /// Protection with its key ring in PostgreSQL, so every replica can read the answers any of them stored. The ring's
    /// secrets are stored encrypted under <c>DataProtection:KeyRingKey</c>, which is not in the database: a copy of the
    /// database alone opens none of the answers.
    /// </summary>
    public static IHostApplicationBuilder AddApiKeys(this IHostApplicationBuilder builder)
    {
        builder.AddApiKeyRules();
        builder.Services.Configure<JsonOptions>(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiKeyJsonContext.Default));
        builder.Services.AddScoped<IdempotencyStore>();
        builder.Services.AddHostedService<IdempotencyPurge>();

        builder.Services.AddOptions<KeyRingOptions>()
            .BindConfiguration(KeyRingOptions.Section)
            .ValidateSelfOnStart();

        // One application name for every replica, whatever its content root: they share one key ring. Without the
        // setting the encryptor refuses, so a key is never stored in clear.
        builder.Services.AddDataProtection()
            .SetApplicationName("AccountService")
            .PersistKeysToDbContext<AccountDbContext>();
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<KeyRingOptions>>((keys, ring) => keys.XmlEncryptor = new KeyRingEncryptor(ring));
        builder.Services.AddHostedService<ClearKeyEncryption>();
        return builder;
    }
}
