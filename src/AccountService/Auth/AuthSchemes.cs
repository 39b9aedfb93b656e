namespace AccountService.Auth;

internal static class AuthSchemes
{
    /// <summary>The policy scheme endpoints use; it forwards to one of the two below by the credential's shape.</summary>
    public const string Bearer = "Bearer";

    public const string ApiKey = "ApiKey";

    public const string Jwt = "Jwt";
}
