using AccountService.Accounts;
using AccountService.ApiKeys;
using AccountService.Errors;
using AccountService.Server;
using AccountService.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Microsoft.AspNetCore.Builder;

internal static class ApiKeyEndpoints
{
    internal const string Path = "/api/api-keys";
    private const string CreateOperation = "POST " + Path;

    /// <summary>
    /// OrbitKit's self-service keys: create, list, revoke. The caller requires a user session (JWT) on the group this
    /// returns (<c>RequireUserSession</c>, in Program.cs): a leaked API key must not be able to make more keys, so
    /// API-key callers get 403.
    /// </summary>
    public static RouteGroupBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var keys = endpoints.MapGroup(Path)
            .AddEndpointFilter<AccountAccessFilter>()
            .ProducesApiKeyErrors()
            .WithTags("OrbitKit");
        keys.MapPost("", CreateAsync)
            .AddEndpointFilter<JsonBodyFilter>()
            .AddEndpointFilterFactory(ValidationFilter<CreateApiKeyHeaders>.PerEndpoint)
            .AddEndpointFilterFactory(ValidationFilter<CreateApiKeyRequest>.PerEndpoint)
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status415UnsupportedMediaType, typeof(ErrorEnvelope), ["application/json"]))
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status422UnprocessableEntity, typeof(ErrorEnvelope), ["application/json"]))
            .WithName("CreateApiKey")
            .WithSummary("Make an API key; its secret is in this answer only. Idempotency-Key makes retries safe.");
        keys.MapGet("", ListAsync)
            .AddEndpointFilterFactory(ValidationFilter<RequestHeaders>.PerEndpoint)
            .WithName("ListApiKeys")
            .WithSummary("The caller's active API keys, newest first, without secrets.");
        keys.MapDelete("/{id}", RevokeAsync)
            .AddEndpointFilterFactory(ValidationFilter<RequestHeaders>.PerEndpoint)
            .WithName("RevokeApiKey")
            .WithSummary("Revoke one of the caller's API keys; it fails on every replica within 100 ms.");
        return keys;
    }

    /// <summary>The failures every key endpoint may answer with, all in the envelope.</summary>
    private static RouteGroupBuilder ProducesApiKeyErrors(this RouteGroupBuilder group) => group.WithMetadata(
    [
        .. new[]
        {
            StatusCodes.Status400BadRequest,
            StatusCodes.Status401Unauthorized,
            StatusCodes.Status403Forbidden,
            StatusCodes.Status404NotFound,
            StatusCodes.Status429TooManyRequests,
            StatusCodes.Status500InternalServerError,
            StatusCodes.Status503ServiceUnavailable,
        }.Select(status => new ProducesResponseTypeMetadata(status, typeof(ErrorEnvelope), ["application/json"])),
    ]);

    private static async Task<Results<ReplayableJson, ErrorResult>> CreateAsync(
        [AsParameters] CreateApiKeyHeaders headers,
        CreateApiKeyRequest request,
        HttpContext context,
        ApiKeyService keys,
        ApiErrors errors,
        ServiceMetrics metrics,
        CancellationToken ct)
    {
        if (await context.CallerAccount().AccountAsync(ct) is not { } account)
        {
            return AccountNotFound(errors);
        }

        var idempotent = headers.IdempotencyKey is { } idempotencyKey
            ? new IdempotentRequest(idempotencyKey, CreateOperation, request.Canonical())
            : (IdempotentRequest?)null;
        switch (await keys.CreateAsync(account.Id, request.Name, idempotent, ct))
        {
            case CreateKeyResult.Created { Answer: var answer }:
                return answer;
            case CreateKeyResult.Replayed { Answer: var replay }:
                metrics.IdempotentReplay();
                return replay;
            case CreateKeyResult.IdempotencyKeyReused:
                return errors.Result(
                    ErrorCodes.IdempotencyKeyReuse,
                    "This Idempotency-Key was used with a different request in the last 24 hours; use a new key.");
            case CreateKeyResult.AccountDisabled:
                return errors.Result(ErrorCodes.Forbidden, AccountAccess.NoNewKeysMessage);
            case CreateKeyResult.LimitReached { Active: var active }:
                return errors.Result(
                    ErrorCodes.ApiKeyLimitReached,
                    $"The account already has {active} active API keys (the limit is {ApiKeyRules.MaxActiveKeysPerAccount}); revoke one first.");
            default:
                return AccountNotFound(errors);
        }
    }

    private static async Task<Results<Ok<ApiKeyListResponse>, ErrorResult>> ListAsync(
        [AsParameters] RequestHeaders headers,
        HttpContext context,
        ApiKeyService keys,
        ApiErrors errors,
        CancellationToken ct)
    {
        if (await context.CallerAccount().AccountAsync(ct) is not { } account)
        {
            return AccountNotFound(errors);
        }

        var active = await keys.ListAsync(account.Id, includeRevoked: false, ct);
        return TypedResults.Ok(new ApiKeyListResponse([.. active.Select(ApiKeyResponse.From)]));
    }

    private static async Task<Results<NoContent, ErrorResult>> RevokeAsync(
        string id,
        [AsParameters] RequestHeaders headers,
        HttpContext context,
        ApiKeyService keys,
        ApiErrors errors,
        CancellationToken ct)
    {
        // Unknown, already revoked and another account's key get the same answer: ids cannot be probed.
        return await context.CallerAccount().AccountAsync(ct) is { } account && await keys.RevokeAsync(id, account.Id, ct) is RevokeKeyResult.Revoked
            ? TypedResults.NoContent()
            : errors.Result(ErrorCodes.NotFound, "API key not found.");
    }

    private static ErrorResult AccountNotFound(ApiErrors errors) => errors.Result(ErrorCodes.NotFound, "Account not found.");
}
