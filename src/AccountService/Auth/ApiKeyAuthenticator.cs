using AccountService.ApiKeys;
using AccountService.Callers;
using AccountService.Errors;
using Microsoft.AspNetCore.Authentication;

namespace AccountService.Auth;

/// <summary>
/// The rules for <c>ok_&lt;key id&gt;_&lt;secret&gt;</c> keys, in one place: resolved through
/// <see cref="CallerResolver"/>, the secret's hash compared in fixed time, a revoked key failing as soon as its change
/// notification arrives, and a client that has spent its budget for failed credentials resolved from memory only
/// (<see cref="CallerResolution"/>). Caller resolution calls it for every API-key request; the
/// <see cref="AuthSchemes.ApiKey"/> scheme's handler is the same rules for whatever authenticates that scheme by name.
/// </summary>
/// <remarks>
/// Called directly, it skips what the framework's authentication service adds around a handler: a handler per
/// request, a claims transformation (the service registers none) and a copy of the ticket.
/// </remarks>
internal sealed partial class ApiKeyAuthenticator(
    CallerResolver callers,
    RefusedCredentials refused,
    ILogger<ApiKeyAuthenticationHandler> logger)
{
    public async Task<AuthenticateResult> AuthenticateAsync(HttpContext context, BearerCredential credential)
    {
        if (!credential.Presented)
        {
            return AuthenticateResult.NoResult();
        }

        if (credential.Token is null || !ApiKeyCredential.TryParse(credential.Token, out var keyId, out var secret))
        {
            Refuse(context, "not an API key");
            return AuthenticateResult.Fail(ErrorCodes.UnauthorizedMessage);
        }

        var resolved = await callers.ResolveKeyAsync(keyId, secret, context.Features.Get<CallerResolution>(), context.RequestAborted);
        if (resolved.Caller is not { } caller)
        {
            Refuse(context, resolved.Outcome switch
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
        context.Features.Set(caller);
        var principal = AccountPrincipal.Create(caller.Account.Id, AccountPrincipal.ApiKey, AuthSchemes.ApiKey);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, AuthSchemes.ApiKey));
    }

    // Each refusal's reason at Debug, under the scheme handler's category (appsettings.json sets it to Warning, with the
    // base handler's per-request lines); at Information, a count per client IP (RefusedCredentials).
    private void Refuse(HttpContext context, string reason)
    {
        LogRejected(logger, reason);
        refused.Refused(context.Connection.RemoteIpAddress);
    }

    // The reason is for operators; the credential itself is never logged.
    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "API key rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);
}
