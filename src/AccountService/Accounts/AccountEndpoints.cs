using AccountService.Accounts;
using AccountService.Billing;
using AccountService.Errors;
using AccountService.Server;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Microsoft.AspNetCore.Builder;

internal static class AccountEndpoints
{
    /// <summary>The caller's account, in the Runloop and the OrbitKit contracts; both require a bearer credential.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var runloop = endpoints.MapGroup("/v1/accounts")
            .RequireAuthorization()
            .AddEndpointFilterFactory(ValidationFilter<RequestHeaders>.PerEndpoint)
            .ProducesAccountErrors()
            .WithTags("Runloop");
        runloop.MapGet("/me", GetMeAsync)
            .WithName("GetMyAccount")
            .WithSummary("The caller's account (Runloop AccountView).");

        var orbitKit = endpoints.MapGroup("/api")
            .RequireAuthorization()
            .AddEndpointFilterFactory(ValidationFilter<RequestHeaders>.PerEndpoint)
            .ProducesAccountErrors()
            .WithTags("OrbitKit");
        orbitKit.MapGet("/account", GetAccountAsync)
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(ErrorEnvelope), ["application/json"]))
            .WithName("GetAccount")
            .WithSummary("The caller's payment method and per-app subscriptions (OrbitKit).");

        return endpoints;
    }

    /// <summary>The failures every account endpoint may answer with, all in the envelope.</summary>
    private static RouteGroupBuilder ProducesAccountErrors(this RouteGroupBuilder group) => group.WithMetadata(
    [
        .. new[]
        {
            StatusCodes.Status400BadRequest,
            StatusCodes.Status401Unauthorized,
            StatusCodes.Status404NotFound,
            StatusCodes.Status429TooManyRequests,
            StatusCodes.Status500InternalServerError,
            StatusCodes.Status503ServiceUnavailable,
        }.Select(status => new ProducesResponseTypeMetadata(status, typeof(ErrorEnvelope), ["application/json"])),
    ]);

    private static async Task<Results<ETaggedJson<RunloopAccountResponse>, ErrorResult>> GetMeAsync(
        [AsParameters] RequestHeaders headers,
        HttpContext context,
        ApiErrors errors,
        CancellationToken ct)
    {
        var account = await context.CallerAccount().AccountAsync(ct);
        if (account is null)
        {
            return errors.Result(ErrorCodes.NotFound, "Account not found.");
        }

        return new ETaggedJson<RunloopAccountResponse>(
            AccountMapping.ToRunloop(account),
            AccountJsonContext.Default.RunloopAccountResponse);
    }

    private static async Task<Results<Ok<OrbitKitAccountResponse>, ErrorResult>> GetAccountAsync(
        [AsParameters] RequestHeaders headers,
        HttpContext context,
        IBillingLookup billing,
        ApiErrors errors,
        CancellationToken ct)
    {
        var account = await context.CallerAccount().SeatsAsync(ct);
        if (account is null)
        {
            return errors.Result(ErrorCodes.NotFound, "Account not found.");
        }

        if (AccountAccess.IsDisabledByAdmin(account.Status))
        {
            return errors.Result(ErrorCodes.Forbidden, AccountAccess.DisabledMessage);
        }

        var card = await billing.GetCardAsync(account.StripeCustomerId, ct);
        if (card.ProviderUnavailable)
        {
            // An outage, not a payment problem of the caller's: 503, and a hint when to try again.
            return errors.Unavailable(ErrorCodes.PaymentError, "The payment provider is unavailable. Try again shortly.");
        }

        return TypedResults.Ok(AccountMapping.ToOrbitKit(account, card.Card));
    }
}
