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

    public static ClaimsPrincipal Create(string accountId, string credential, string authenticationType)
    {
        // Claims made for this identity are kept as they are; claims handed to its constructor would be copied.
        var identity = new ClaimsIdentity(authenticationType, AccountIdClaim, roleType: null);
        identity.AddClaim(new Claim(AccountIdClaim, accountId, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));
        identity.AddClaim(new Claim(CredentialClaim, credential, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));
        return new ClaimsPrincipal(identity);
    }
}
