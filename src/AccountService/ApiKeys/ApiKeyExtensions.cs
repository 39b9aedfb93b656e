namespace AccountService.ApiKeys;

internal static class ApiKeyExtensions
{
    /// <summary>The rules of API keys (<see cref="ApiKeyService"/>), shared by the CLI and the API. Needs the key hasher.</summary>
    public static IHostApplicationBuilder AddApiKeyRules(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ApiKeyService>();
        return builder;
    }
}
