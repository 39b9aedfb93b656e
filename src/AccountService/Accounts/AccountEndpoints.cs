using System.Security.Claims;
using AccountService.Auth;
using AccountService.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AccountService.Accounts;

internal static class AccountEndpoints
{
    /// <summary>The caller's account, in the Runloop and the OrbitKit contracts; both require a bearer credential.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var runloop = endpoints.MapGroup("/v1/accounts")
            .RequireAuthorization()
            .WithTags("Runloop");
        runloop.MapGet("/me", GetMeAsync)
            .WithName("GetMyAccount")
            .WithSummary("The caller's account (Runloop AccountView).");

        return endpoints;
    }

    private static async Task<Results<ETaggedJson<RunloopAccountResponse>, NotFound<ErrorEnvelope>>> GetMeAsync(
        ClaimsPrincipal user,
        AccountLookup accounts,
        ApiErrors errors,
        CancellationToken ct)
    {
        var account = await accounts.FindAsync(user.GetAccountId(), ct);
        if (account is null)
        {
            return TypedResults.NotFound(errors.Envelope(ErrorCodes.NotFound, "Account not found."));
        }

        return new ETaggedJson<RunloopAccountResponse>(
            AccountMapping.ToRunloop(account),
            AccountJsonContext.Default.RunloopAccountResponse);
    }
}
