using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace AccountService.ApiKeys;

/// <summary>
/// A JSON answer kept as its exact bytes, so that a request repeated with the same <c>Idempotency-Key</c> gets the
/// first answer again, status, <c>Location</c> and body alike. A replay adds <c>Idempotent-Replayed: true</c>.
/// </summary>
internal sealed class ReplayableJson(int statusCode, string? location, byte[] body, bool replayed)
    : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public const string ReplayedHeader = "Idempotent-Replayed";
    private const string ContentType = "application/json; charset=utf-8";

    public int? StatusCode => statusCode;

    public string? Location => location;

    public byte[] Body => body;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        if (location is not null)
        {
            response.Headers.Location = location;
        }

        if (replayed)
        {
            response.Headers[ReplayedHeader] = "true";
        }

        response.ContentType = ContentType;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }

    // The only answer of this kind today: the key a create made.
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status201Created, typeof(CreateApiKeyResponse), ["application/json"]));
}
