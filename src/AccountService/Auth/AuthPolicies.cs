namespace AccountService.Auth;

/// <summary>Authorization policies beyond the default one (any valid credential).</summary>
internal static class AuthPolicies
{
    /// <summary>
    /// A user session: a JWT, never an API key. For what a leaked key must not be able to do, such as making more keys;
    /// an API-key caller gets <c>403 FORBIDDEN</c>.
    /// </summary>
    public const string UserSession = "UserSession";

    /// <summary>Requires <see cref="UserSession"/>.</summary>
    public static TBuilder RequireUserSession<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(UserSession);
}
