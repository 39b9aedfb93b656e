using System.Security.Claims;

namespace AccountService.Auth;

/// <summary>
/// The principal every credential ends in: the caller's account id and how it was proven. Only this file and
/// <see cref="ClaimsPrincipalExtensions"/> know the claim types.
/// </summary>
internal static class AccountPrincipal
{
    public const string AccountIdClaim = "urn:accountservice:account_id";
    public const string CredentialClaim = "urn:accountservice:credential";

    /// <summary>The credential claim's values: a user session (JWT) or an API key.</summary>
    public const string Jwt = "jwt";

    public const string ApiKey = "api_key";

    public static ClaimsPrincipal Create(string accountId, string credential, string authenticationType) =>
        new(new ClaimsIdentity(
            [new Claim(AccountIdClaim, accountId), new Claim(CredentialClaim, credential)],
            authenticationType,
            AccountIdClaim,
            roleType: null));
}
