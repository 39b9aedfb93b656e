using System.Security.Claims;

namespace AccountService.Auth;

internal static class ClaimsPrincipalExtensions
{
    /// <summary>The caller's account id; endpoints requiring authorization always have one.</summary>
    public static string GetAccountId(this ClaimsPrincipal user) =>
        user.FindFirstValue(AccountPrincipal.AccountIdClaim)
        ?? throw new InvalidOperationException("The principal carries no account id; the endpoint must require authorization.");
}
