using AccountService.Errors;

namespace AccountService.Auth;

/// <summary>
/// The one 401 every authentication failure gets: the UNAUTHORIZED envelope and <c>WWW-Authenticate: Bearer</c>,
/// with <c>error="invalid_token"</c> when a credential was presented (RFC 6750 §3), and
/// <see cref="ErrorCodes.UnauthorizedMessage"/> whatever failed.
/// </summary>
internal static class AuthChallenge
{
    public static Task WriteAsync(HttpContext context)
    {
        var presented = BearerCredential.Read(context.Request).Presented;
        context.Response.Headers.WWWAuthenticate = presented ? "Bearer error=\"invalid_token\"" : "Bearer";
        return context.RequestServices.GetRequiredService<ApiErrors>().WriteAsync(context, ErrorCodes.Unauthorized, ErrorCodes.UnauthorizedMessage);
    }
}
