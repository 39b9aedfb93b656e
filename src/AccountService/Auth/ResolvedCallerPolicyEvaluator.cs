using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace AccountService.Auth;

/// <summary>
/// The authorization middleware's policy evaluator, for policies that read the caller that caller resolution set on the
/// request: its authentication result is reused rather than wrapped in a new ticket, and a caller that meets every
/// requirement of a policy built from <see cref="DenyAnonymousAuthorizationRequirement"/> and
/// <see cref="ClaimsAuthorizationRequirement"/> (all of ours) is let through without the authorization service's
/// handler pass. Anything else, and every refusal (whose challenge or forbid the authorization service decides), goes
/// through <see cref="PolicyEvaluator"/> as it would without this class.
/// </summary>
/// <remarks>
/// The shortcut decides exactly as the requirements' own handlers do, which is the authorization service's answer as
/// long as no other <see cref="IAuthorizationHandler"/> is registered: <see cref="AuthExtensions"/> registers none, and
/// <see cref="HasOnlyRequirementHandlers"/> is checked once, at construction. It is a singleton (the default evaluator
/// is made per request, with an authorization service of its own), so a handler added later must not be scoped.
/// </remarks>
internal sealed class ResolvedCallerPolicyEvaluator : PolicyEvaluator
{
    private static readonly Task<PolicyAuthorizationResult> Allowed = Task.FromResult(PolicyAuthorizationResult.Success());

    private readonly bool _shortcut;

    public ResolvedCallerPolicyEvaluator(IAuthorizationService authorization, IEnumerable<IAuthorizationHandler> handlers)
        : base(authorization)
    {
        _shortcut = HasOnlyRequirementHandlers(handlers);
    }

    public override Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        if (policy.AuthenticationSchemes.Count == 0
            && context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult is { Succeeded: true } resolved
            && ReferenceEquals(resolved.Principal, context.User))
        {
            return Task.FromResult(resolved);
        }

        return base.AuthenticateAsync(policy, context);
    }

    public override Task<PolicyAuthorizationResult> AuthorizeAsync(
        AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource) =>
        _shortcut && Meets(context.User, policy)
            ? Allowed
            : base.AuthorizeAsync(policy, authenticationResult, context, resource);

    /// <summary>
    /// Whether <paramref name="user"/> meets every requirement of <paramref name="policy"/> as the requirements' own
    /// handlers decide; false for a requirement of another kind (the authorization service then decides).
    /// </summary>
    internal static bool Meets(ClaimsPrincipal? user, AuthorizationPolicy policy)
    {
        if (user is null || policy.Requirements.Count == 0)
        {
            return false;
        }

        foreach (var requirement in policy.Requirements)
        {
            var met = requirement switch
            {
                DenyAnonymousAuthorizationRequirement => IsAuthenticated(user),
                ClaimsAuthorizationRequirement claim => HasClaim(user, claim),
                _ => false,
            };
            if (!met)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The handlers the authorization service runs are the requirements' own: nothing else can fail a policy.</summary>
    internal static bool HasOnlyRequirementHandlers(IEnumerable<IAuthorizationHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            if (handler is not PassThroughAuthorizationHandler)
            {
                return false;
            }
        }

        return true;
    }

    // DenyAnonymousAuthorizationRequirement's rule: any identity is authenticated.
    private static bool IsAuthenticated(ClaimsPrincipal user)
    {
        foreach (var identity in user.Identities)
        {
            if (identity.IsAuthenticated)
            {
                return true;
            }
        }

        return false;
    }

    // ClaimsAuthorizationRequirement's rule: a claim of the type (in any case), with one of the allowed values (exactly)
    // when any are given.
    private static bool HasClaim(ClaimsPrincipal user, ClaimsAuthorizationRequirement requirement)
    {
        var allowed = requirement.AllowedValues;
        foreach (var identity in user.Identities)
        {
            foreach (var claim in identity.Claims)
            {
                if (string.Equals(claim.Type, requirement.ClaimType, StringComparison.OrdinalIgnoreCase)
                    && (allowed is null || !allowed.Any() || allowed.Contains(claim.Value, StringComparer.Ordinal)))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
