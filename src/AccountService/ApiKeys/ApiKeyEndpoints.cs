using System.Text.Json;
using AccountService.Accounts;
using AccountService.Auth;
using AccountService.Data;
using AccountService.Errors;
using AccountService.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AccountService.ApiKeys;

internal static class ApiKeyEndpoints
{
    private const string Path = "/api/api-keys";
    private const string CreateOperation = "POST " + Path;

    /// <summary>
    /// OrbitKit's self-service keys: create, list, revoke. A user session (JWT) is required: a leaked API key must not
    /// be able to make more keys, so API-key callers get 403.
    /// </summary>
    public static IEndpointRouteBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var keys = endpoints.MapGroup(Path)
            .RequireUserSession()
            .ProducesApiKeyErrors()
            .WithTags("OrbitKit");
        keys.MapPost("", CreateAsync)
            .AddEndpointFilter<JsonBodyFilter>()
            .AddEndpointFilter<ValidationFilter<CreateApiKeyHeaders>>()
            .AddEndpointFilter<ValidationFilter<CreateApiKeyRequest>>()
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status415UnsupportedMediaType, typeof(ErrorEnvelope), ["application/json"]))
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status422UnprocessableEntity, typeof(ErrorEnvelope), ["application/json"]))
            .WithName("CreateApiKey")
            .WithSummary("Make an API key; its secret is in this answer only. Idempotency-Key makes retries safe.");
        keys.MapGet("", ListAsync)
            .AddEndpointFilter<ValidationFilter<AccountRequestHeaders>>()
            .WithName("ListApiKeys")
            .WithSummary("The caller's active API keys, newest first, without secrets.");
        keys.MapDelete("/{id}", RevokeAsync)
            .AddEndpointFilter<ValidationFilter<AccountRequestHeaders>>()
            .WithName("RevokeApiKey")
            .WithSummary("Revoke one of the caller's API keys; it fails on every replica within 100 ms.");
        return endpoints;
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
        AccountLookup accounts,
        AccountDbContext db,
        ApiKeyService keys,
        IdempotencyStore idempotency,
        ApiErrors errors,
        ServiceMetrics metrics,
        CancellationToken ct)
    {
        var accountId = context.User.GetAccountId();
        if (await accounts.FindAsync(context, ct) is { Status: var status } && !AccountAccess.MayCreateKeys(status))
        {
            return errors.Result(ErrorCodes.Forbidden, AccountAccess.NoNewKeysMessage);
        }

        // One transaction: the account's lock puts its creations in a row, and a claimed Idempotency-Key is kept only
        // together with the key it made (a failure rolls both back).
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await keys.LockAccountAsync(accountId, ct))
        {
            return AccountNotFound(errors);
        }

        if (headers.IdempotencyKey is { } idempotencyKey)
        {
            var claim = await idempotency.ClaimAsync(accountId, idempotencyKey, CreateOperation, request.Canonical(), ct);
            if (claim.Outcome == ClaimOutcome.Reused)
            {
                return errors.Result(
                    ErrorCodes.IdempotencyKeyReuse,
                    "This Idempotency-Key was used with a different request in the last 24 hours; use a new key.");
            }

            if (claim.Answer is { } replay)
            {
                metrics.IdempotentReplay();
                return replay;
            }
        }

        switch (await keys.CreateAsync(accountId, request.Name, ct))
        {
            case CreateKeyResult.Created { Key: var key }:
                var body = JsonSerializer.SerializeToUtf8Bytes(CreateApiKeyResponse.From(key), AccountJsonContext.Default.CreateApiKeyResponse);
                var answer = new ReplayableJson(StatusCodes.Status201Created, $"{Path}/{key.KeyId}", body, replayed: false);
                if (headers.IdempotencyKey is { } claimed)
                {
                    await idempotency.CompleteAsync(accountId, claimed, answer, ct);
                }

                await transaction.CommitAsync(ct);
                return answer;
            case CreateKeyResult.LimitReached { Active: var active }:
                return errors.Result(
                    ErrorCodes.ApiKeyLimitReached,
                    $"The account already has {active} active API keys (the limit is {ApiKeyRules.MaxActiveKeysPerAccount}); revoke one first.");
            default:
                return AccountNotFound(errors);
        }
    }

    private static async Task<Results<Ok<ApiKeyListResponse>, ErrorResult>> ListAsync(
        [AsParameters] AccountRequestHeaders headers,
        HttpContext context,
        AccountLookup accounts,
        ApiKeyService keys,
        ApiErrors errors,
        CancellationToken ct)
    {
        if (await accounts.FindAsync(context, ct) is not { } account)
        {
            return AccountNotFound(errors);
        }

        if (AccountAccess.IsDisabledByAdmin(account.Status))
        {
            return errors.Result(ErrorCodes.Forbidden, AccountAccess.DisabledMessage);
        }

        var accountId = account.Id;
        var active = await keys.ListAsync(accountId, includeRevoked: false, ct);
        return TypedResults.Ok(new ApiKeyListResponse([.. active.Select(ApiKeyResponse.From)]));
    }

    private static async Task<Results<NoContent, ErrorResult>> RevokeAsync(
        string id,
        [AsParameters] AccountRequestHeaders headers,
        HttpContext context,
        AccountLookup accounts,
        ApiKeyService keys,
        ApiErrors errors,
        CancellationToken ct)
    {
        if (await accounts.FindAsync(context, ct) is { Status: var status } && AccountAccess.IsDisabledByAdmin(status))
        {
            return errors.Result(ErrorCodes.Forbidden, AccountAccess.DisabledMessage);
        }

        // Unknown, already revoked and another account's key get the same answer: ids cannot be probed.
        return await keys.RevokeAsync(id, context.User.GetAccountId(), ct) is RevokeKeyResult.Revoked
            ? TypedResults.NoContent()
            : errors.Result(ErrorCodes.NotFound, "API key not found.");
    }

    private static ErrorResult AccountNotFound(ApiErrors errors) => errors.Result(ErrorCodes.NotFound, "Account not found.");
}
