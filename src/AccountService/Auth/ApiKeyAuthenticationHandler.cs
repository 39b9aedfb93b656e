using System.Text.Encodings.Web;
using AccountService.ApiKeys;
using AccountService.Callers;
using AccountService.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AccountService.Auth;

/// <summary>
/// Authenticates <c>ok_&lt;key id&gt;_&lt;secret&gt;</c> keys through <see cref="CallerResolver"/>: the secret's hash
/// is compared in fixed time, a revoked key fails as soon as its change notification arrives, and a client that has
/// spent its budget for failed credentials is resolved from memory only (<see cref="CallerResolution"/>).
/// </summary>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    CallerResolver callers,
    RefusedCredentials refused)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var credential = BearerCredential.Read(Request);
        if (!credential.Presented)
        {
            return AuthenticateResult.NoResult();
        }

        if (credential.Token is null || !ApiKeyCredential.TryParse(credential.Token, out var keyId, out var secret))
        {
            Refuse("not an API key");
            return AuthenticateResult.Fail(ErrorCodes.UnauthorizedMessage);
        }

        var resolved = await callers.ResolveKeyAsync(keyId, secret, Context.Features.Get<CallerResolution>(), Context.RequestAborted);
        if (resolved.Caller is not { } caller)
        {
            Refuse(resolved.Outcome switch
            {
                KeyOutcome.Revoked => "revoked",
                KeyOutcome.WrongSecret => "wrong secret",
                KeyOutcome.NotInMemory => "unknown key id, not looked up: failed-credential budget spent",
                KeyOutcome.NoAccount => "the key's account does not exist",
                _ => "unknown key id",
            });
            return AuthenticateResult.Fail(ErrorCodes.UnauthorizedMessage);
        }

        // The account came with the key: it travels with the request, and the endpoints need not ask for it again.
        Context.Features.Set(caller);
        var principal = AccountPrincipal.Create(caller.Account.Id, AccountPrincipal.ApiKey, AuthSchemes.ApiKey);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, AuthSchemes.ApiKey));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => AuthChallenge.WriteAsync(Context);

    // Each refusal's reason at Debug (this category and the base handler's per-request lines are at Warning in
    // appsettings.json); at Information, a count per client IP (RefusedCredentials).
    private void Refuse(string reason)
    {
        LogRejected(Logger, reason);
        refused.Refused(Context.Connection.RemoteIpAddress);
    }

    // The reason is for operators; the credential itself is never logged.
    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "API key rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);
}
