using Microsoft.Net.Http.Headers;

namespace AccountService.Errors;

/// <summary>
/// Refuses a body not sent as <c>application/json</c> (the media type in any case, any parameters such as
/// <c>charset</c>) with <c>415 UNSUPPORTED_MEDIA_TYPE</c>, a request without a <c>Content-Type</c> included. Runs
/// before the endpoint's other filters. Routing's <c>Accepts</c> metadata alone lets a request without a
/// <c>Content-Type</c> through.
/// </summary>
internal sealed class JsonBodyFilter(ApiErrors errors) : IEndpointFilter
{
    public const string MediaType = "application/json";

    public static bool IsJson(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
        && contentType.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        IsJson(context.HttpContext.Request)
            ? await next(context)
            : errors.Result(ErrorCodes.UnsupportedMediaType, $"The body must be sent as {MediaType}.");
}
