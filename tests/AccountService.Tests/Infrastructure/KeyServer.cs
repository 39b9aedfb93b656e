using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Tests.Infrastructure;

/// <summary>An identity provider's key endpoints on 127.0.0.1: OIDC discovery and a JWKS with one RSA key.</summary>
internal sealed class KeyServer(WebApplication app, string baseUrl) : IAsyncDisposable
{
    public string BaseUrl { get; } = baseUrl;

    public static async Task<KeyServer> StartAsync(RSA rsa, string keyId)
    {
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        var jwks = $$"""
            {"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"{{keyId}}","n":"{{Base64UrlEncoder.Encode(parameters.Modulus)}}","e":"{{Base64UrlEncoder.Encode(parameters.Exponent)}}"}]}
            """;
        string? baseUrl = null;
        var (app, address) = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet("/jwks.json", () => Results.Text(jwks, "application/json"));
            app.MapGet("/.well-known/openid-configuration", () => Results.Text(
                $$"""{"issuer":"{{baseUrl}}","jwks_uri":"{{baseUrl}}/jwks.json"}""",
                "application/json"));
        });
        baseUrl = address;
        return new KeyServer(app, address);
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
