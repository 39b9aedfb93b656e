using AccountService.ApiKeys;
using AccountService.Auth;
using AccountService.Configuration;
using AccountService.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.DependencyInjection;

internal static class AuthExtensions
{
    /// <summary>
    /// Bearer authentication: JWT-shaped tokens go to JwtBearer and everything else to the API-key rules
    /// (<see cref="AuthSchemes.For(HttpRequest)"/>, <see cref="ApiKeyAuthenticator"/>); both end in the same
    /// <see cref="AccountPrincipal"/>. Caller resolution authenticates once, for endpoints that require authorization
    /// only (health probes never touch the key table), and sets the request's user; the policies read that user and
    /// authenticate nothing again. Challenges and forbids go through the <see cref="AuthSchemes.Bearer"/> policy
    /// scheme to the handler of the presented credential.
    /// </summary>
    public static IHostApplicationBuilder AddAccountAuth(this IHostApplicationBuilder builder)
    {
        builder.AddApiKeyHashing();
        builder.Services.AddSingleton<RefusedCredentials>();
        builder.Services.AddSingleton<ApiKeyAuthenticator>();
        builder.Services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .ValidateSelfOnStart();
        builder.Services.AddOptions<ValidatedJwtOptions>()
            .BindConfiguration(ValidatedJwtOptions.Section)
            .ValidateSelfOnStart();

        // Accepting JWTs lets keys be made over HTTP, whose answers are stored encrypted: the key ring's key is required.
        builder.Services.AddSingleton<IValidateOptions<KeyRingOptions>, KeyRingRequiredWithJwts>();

        // No default authenticate scheme: with one, every request (probes included) would be authenticated up front.
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultChallengeScheme = AuthSchemes.Bearer;
                options.DefaultForbidScheme = AuthSchemes.Bearer;
            })
            .AddPolicyScheme(AuthSchemes.Bearer, displayName: null, options =>
                options.ForwardDefaultSelector = context => AuthSchemes.For(context.Request))
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(AuthSchemes.ApiKey, _ => { })
            .AddJwtBearer(AuthSchemes.Jwt, _ => { });
        builder.Services.AddSingleton(services => new CachingJsonWebTokenHandler(
            services.GetRequiredService<IOptions<ValidatedJwtOptions>>().Value.MaxValidatedJwts,
            new HashSet<string>([services.GetRequiredService<IOptions<JwtOptions>>().Value.AccountIdClaim], StringComparer.Ordinal),
            services.GetRequiredService<TimeProvider>()));
        builder.Services.AddOptions<JwtBearerOptions>(AuthSchemes.Jwt)
            .Configure<IOptions<JwtOptions>, CachingJsonWebTokenHandler, TimeProvider>(ConfigureJwt);

        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .RequireClaim(AccountPrincipal.AccountIdClaim)
                .Build())
            .AddPolicy(AuthPolicies.UserSession, policy => policy
                .RequireAuthenticatedUser()
                .RequireClaim(AccountPrincipal.AccountIdClaim)
                .RequireClaim(AccountPrincipal.CredentialClaim, AccountPrincipal.Jwt));
        builder.Services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, ResolvedCallerPolicyEvaluator>());
        builder.Services.AddStartupWarning(
            services => !services.GetRequiredService<IOptions<JwtOptions>>().Value.HasKeySource,
            "No Auth:Jwt key source (Authority, JwksUrl, PublicKeyPem or HmacKey) is configured: JWTs are rejected, API keys still work");
        return builder;
    }

    private static void ConfigureJwt(JwtBearerOptions options, IOptions<JwtOptions> settings, CachingJsonWebTokenHandler tokens, TimeProvider time)
    {
        var jwt = settings.Value;
        var (keys, algorithms) = jwt.StaticKeys();

        // A caller's JWT is verified once, not on every request it makes.
        options.TokenHandlers.Clear();
        options.TokenHandlers.Add(tokens);

        options.MapInboundClaims = false;
        options.IncludeErrorDetails = false;
        options.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = jwt.Issuer,
            ValidAudience = jwt.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = JwtOptions.ClockSkew,
            LifetimeValidator = (notBefore, expires, _, parameters) => IsWithinLifetime(notBefore, expires, parameters.ClockSkew, time),
            ValidAlgorithms = algorithms,
            IssuerSigningKeys = keys,
        };

        if (jwt.Authority is not null)
        {
            options.Authority = jwt.Authority.ToString();
        }
        else if (jwt.JwksUrl is not null)
        {
            options.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                jwt.JwksUrl.ToString(),
                new JwksRetriever(),
                new HttpDocumentRetriever { RequireHttps = jwt.RequireHttpsMetadata });
        }

        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                // Replace the token's claims with the one principal shape every credential ends in.
                var accountId = context.Principal?.FindFirst(jwt.AccountIdClaim)?.Value;
                if (string.IsNullOrEmpty(accountId))
                {
                    context.Fail($"The token has no {jwt.AccountIdClaim} claim.");
                    Refused(context.HttpContext);
                    return Task.CompletedTask;
                }

                // A signed token is still input: an id no account can have (a NUL, a space, 65 characters) is refused
                // here rather than sent to the database.
                if (!Ids.IsValid(accountId))
                {
                    context.Fail($"The token's {jwt.AccountIdClaim} claim is not an account id.");
                    Refused(context.HttpContext);
                    return Task.CompletedTask;
                }

                context.Principal = AccountPrincipal.Create(accountId, AccountPrincipal.Jwt, AuthSchemes.Jwt);
                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                Refused(context.HttpContext);
                return Task.CompletedTask;
            },
            OnChallenge = context =>
            {
                context.HandleResponse();
                return AuthChallenge.WriteAsync(context.HttpContext);
            },
        };
    }

    /// <summary>
    /// The library's own lifetime rule (an expiry is required; not before it starts, not after it ends, each give or
    /// take the skew), read on the injected clock, the one the cache of validated tokens expires on.
    /// </summary>
    private static bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, TimeSpan skew, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } end
            && end >= now - skew
            && (notBefore is not { } start || (start <= end && start <= now + skew));
    }

    private static void Refused(HttpContext context) =>
        context.RequestServices.GetRequiredService<RefusedCredentials>().Refused(context.Connection.RemoteIpAddress);
}
