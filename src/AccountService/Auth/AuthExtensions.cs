using AccountService.Configuration;

namespace AccountService.Auth;

internal static class AuthExtensions
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
}
