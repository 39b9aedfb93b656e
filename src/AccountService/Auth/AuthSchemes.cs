namespace AccountService.Auth;

internal static class AuthSchemes
{
    /// <summary>The policy scheme endpoints use; it forwards to one of the two below by the credential's shape.</summary>
    public const string Bearer = "Bearer";

    public const string ApiKey = "ApiKey";

    public const string Jwt = "Jwt";

    /// <summary>The scheme that proves the request's bearer credential, by its shape; <see cref="Bearer"/> forwards here.</summary>
    public static string For(HttpRequest request) => For(BearerCredential.Read(request));

    /// <summary>The scheme that proves <paramref name="credential"/>, by its shape.</summary>
    public static string For(BearerCredential credential) => credential.IsJwt ? Jwt : ApiKey;
}
