using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace AccountService.Auth;

/// <summary>
/// The request's authentication as caller resolution left it: the result and its user, the two views the
/// authentication middleware would set. Setting the user alone forgets the result, as the framework's own does.
/// </summary>
internal sealed class ResolvedAuthentication(AuthenticateResult result) : IAuthenticateResultFeature, IHttpAuthenticationFeature
{
    private AuthenticateResult? _result = result;
    private ClaimsPrincipal? _user = result.Principal;

    public AuthenticateResult? AuthenticateResult
    {
        get => _result;
        set
        {
            _result = value;
            _user = value?.Principal;
        }
    }

    public ClaimsPrincipal? User
    {
        get => _user;
        set
        {
            _user = value;
            _result = null;
        }
    }

    /// <summary>Puts <paramref name="result"/>'s user on the request, with the result for the authorization middleware.</summary>
    public static void Set(HttpContext context, AuthenticateResult result)
    {
        var features = new ResolvedAuthentication(result);
        context.Features.Set<IAuthenticateResultFeature>(features);
        context.Features.Set<IHttpAuthenticationFeature>(features);
    }
}
