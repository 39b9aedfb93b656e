using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Tests.Infrastructure;

/// <summary>An identity provider's key endpoints on 127.0.0.1: OIDC discovery and a JWKS with one RSA key.</summary>
internal sealed class KeyServer(WebApplication app, string baseUrl) : IAsyncDisposable
{
    public string BaseUrl { get; } = baseUrl;

    public static async Task<KeyServer> StartAsync(RSA rsa, string keyId)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        var jwks = $$"""
            {"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"{{keyId}}","n":"{{Base64UrlEncoder.Encode(parameters.Modulus)}}","e":"{{Base64UrlEncoder.Encode(parameters.Exponent)}}"}]}
            """;
        string? baseUrl = null;
        app.MapGet("/jwks.json", () => Results.Text(jwks, "application/json"));
        app.MapGet("/.well-known/openid-configuration", () => Results.Text(
            $$"""{"issuer":"{{baseUrl}}","jwks_uri":"{{baseUrl}}/jwks.json"}""",
            "application/json"));
        await app.StartAsync();
        baseUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new KeyServer(app, baseUrl);
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
