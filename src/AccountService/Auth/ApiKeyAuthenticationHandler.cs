using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AccountService.Auth;

/// <summary>
/// The <see cref="AuthSchemes.ApiKey"/> scheme: <see cref="ApiKeyAuthenticator"/>'s rules behind the framework's
/// authentication service, and the challenge an API-key caller gets.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyAuthenticator keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => keys.AuthenticateAsync(Context, BearerCredential.Read(Request));

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => AuthChallenge.WriteAsync(Context);
}
