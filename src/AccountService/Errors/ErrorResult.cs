namespace AccountService.Errors;

/// <summary>An error envelope with a status the code table does not fix (e.g. 503), and an optional Retry-After.</summary>
internal sealed class ErrorResult(ErrorEnvelope envelope, int statusCode, TimeSpan? retryAfter = null)
    : IResult, IStatusCodeHttpResult, IValueHttpResult<ErrorEnvelope>
{
    public int? StatusCode => statusCode;

    public ErrorEnvelope Value => envelope;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        if (retryAfter is { } delay)
        {
            ApiErrors.SetRetryAfter(httpContext.Response, delay);
        }

        return TypedResults.Json(envelope, statusCode: statusCode).ExecuteAsync(httpContext);
    }
}
