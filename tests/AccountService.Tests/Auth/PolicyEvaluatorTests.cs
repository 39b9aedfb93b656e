using System.Security.Claims;
using AccountService.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AccountService.Tests.Auth;

/// <summary>The policy evaluator's shortcut decides every policy exactly as the framework's evaluator does.</summary>
public sealed class PolicyEvaluatorTests
{
    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var user in Users.Keys)
        {
            foreach (var policy in Policies.Keys)
            {
                cases.Add(user, policy);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task DecidesAsTheFrameworkDoes(string user, string policy)
    {
        await using var services = Services();
        var ours = ActivatorUtilities.CreateInstance<ResolvedCallerPolicyEvaluator>(services);
        var framework = ActivatorUtilities.CreateInstance<PolicyEvaluator>(services);

        Assert.Equal(await DecideAsync(framework, Users[user], Policies[policy]), await DecideAsync(ours, Users[user], Policies[policy]));
    }

    [Fact]
    public async Task AnotherHandlerStillDecides()
    {
        await using var services = Services(extra => extra.AddSingleton<IAuthorizationHandler, RefuseEverything>());
        var ours = ActivatorUtilities.CreateInstance<ResolvedCallerPolicyEvaluator>(services);

        Assert.Equal("forbid", await DecideAsync(ours, Users["api key"], Policies["default"]));
    }

    [Fact]
    public async Task ReusesTheResultCallerResolutionSet()
    {
        await using var services = Services();
        var ours = ActivatorUtilities.CreateInstance<ResolvedCallerPolicyEvaluator>(services);
        var context = new DefaultHttpContext { RequestServices = services };
        var resolved = AuthenticateResult.Success(new AuthenticationTicket(Users["api key"], AuthSchemes.ApiKey));
        ResolvedAuthentication.Set(context, resolved);

        Assert.Same(resolved, await ours.AuthenticateAsync(Policies["default"], context));
        Assert.Same(resolved.Principal, context.User);

        // A user set since is not the resolved one: authenticated afresh, as the framework does.
        context.User = Users["jwt"];
        var fresh = await ours.AuthenticateAsync(Policies["default"], context);
        Assert.NotSame(resolved, fresh);
        Assert.Same(Users["jwt"], fresh.Principal);
    }

    private static readonly Dictionary<string, ClaimsPrincipal> Users = new(StringComparer.Ordinal)
    {
        ["api key"] = AccountPrincipal.Create("acc_1", AccountPrincipal.ApiKey, AuthSchemes.ApiKey),
        ["jwt"] = AccountPrincipal.Create("acc_1", AccountPrincipal.Jwt, AuthSchemes.Jwt),
        ["anonymous"] = new(new ClaimsIdentity()),
        ["no identity"] = new(),
        ["unauthenticated with claims"] = new(new ClaimsIdentity([new Claim(AccountPrincipal.AccountIdClaim, "acc_1"), new Claim(AccountPrincipal.CredentialClaim, AccountPrincipal.Jwt)])),
        ["authenticated without account"] = new(new ClaimsIdentity([new Claim(AccountPrincipal.CredentialClaim, AccountPrincipal.Jwt)], "Test")),
        ["claim type in another case"] = new(new ClaimsIdentity([new Claim(AccountPrincipal.AccountIdClaim.ToUpperInvariant(), "acc_1"), new Claim(AccountPrincipal.CredentialClaim, "JWT")], "Test")),
        ["claims on a second identity"] = new([new ClaimsIdentity(), new ClaimsIdentity([new Claim(AccountPrincipal.AccountIdClaim, "acc_1"), new Claim(AccountPrincipal.CredentialClaim, AccountPrincipal.Jwt)], "Test")]),
    };

    private static readonly Dictionary<string, AuthorizationPolicy> Policies = new(StringComparer.Ordinal)
    {
        ["default"] = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim(AccountPrincipal.AccountIdClaim).Build(),
        ["user session"] = new AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .RequireClaim(AccountPrincipal.AccountIdClaim)
            .RequireClaim(AccountPrincipal.CredentialClaim, AccountPrincipal.Jwt)
            .Build(),
        ["claim only"] = new AuthorizationPolicyBuilder().RequireClaim(AccountPrincipal.CredentialClaim, "api_key", "jwt").Build(),
        ["assertion"] = new AuthorizationPolicyBuilder().RequireAssertion(context => context.User.HasClaim(AccountPrincipal.CredentialClaim, AccountPrincipal.Jwt)).Build(),
        ["name"] = new AuthorizationPolicyBuilder().RequireUserName("acc_1").Build(),
    };

    private static ServiceProvider Services(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection().AddLogging().AddAuthorization();
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static async Task<string> DecideAsync(PolicyEvaluator evaluator, ClaimsPrincipal user, AuthorizationPolicy policy)
    {
        await using var scope = new ServiceCollection().BuildServiceProvider();
        var context = new DefaultHttpContext { User = user, RequestServices = scope };
        var authenticated = await evaluator.AuthenticateAsync(policy, context);
        var result = await evaluator.AuthorizeAsync(policy, authenticated, context, resource: null);
        return result switch
        {
            { Succeeded: true } => "allow",
            { Forbidden: true } => "forbid",
            { Challenged: true } => "challenge",
            _ => "none",
        };
    }

    private sealed class RefuseEverything : IAuthorizationHandler
    {
        public Task HandleAsync(AuthorizationHandlerContext context)
        {
            context.Fail();
            return Task.CompletedTask;
        }
    }
}
