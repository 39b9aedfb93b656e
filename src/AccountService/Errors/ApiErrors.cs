using Microsoft.Extensions.Options;

namespace AccountService.Errors;

/// <summary>Builds error envelopes from the code table; the only place envelopes are made.</summary>
internal sealed class ApiErrors(IOptions<ErrorOptions> options)
{
    /// <summary>What a 503 tells callers to wait before retrying.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly Uri _docBase = options.Value.DocBaseUrl;

    /// <summary><c>Retry-After</c> in whole seconds, rounded up so a caller never retries too early.</summary>
    public static void SetRetryAfter(HttpResponse response, TimeSpan delay) =>
        response.Headers.RetryAfter = ((int)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public ErrorEnvelope Envelope(string code, string message, IReadOnlyList<ErrorDetail>? details = null) =>
        new(new ErrorBody(code, message, ErrorCodes.Get(code).DocUrl(_docBase), details ?? []));

    /// <summary>503 with <c>Retry-After</c>: a dependency is down, the request may be retried as it is.</summary>
    public ErrorResult Unavailable(string code, string message) =>
        new(Envelope(code, message), StatusCodes.Status503ServiceUnavailable, RetryAfter);

    /// <summary>The envelope as a result with the code's status from the table.</summary>
    public IResult Result(string code, string message, IReadOnlyList<ErrorDetail>? details = null) =>
        TypedResults.Json(Envelope(code, message, details), statusCode: ErrorCodes.Get(code).Status);

    /// <summary>
    /// Writes the envelope; <paramref name="status"/> overrides the table where the framework chose one, and
    /// <paramref name="retryAfter"/> adds <c>Retry-After</c>.
    /// </summary>
    public Task WriteAsync(
        HttpContext context,
        string code,
        string message,
        IReadOnlyList<ErrorDetail>? details = null,
        int? status = null,
        TimeSpan? retryAfter = null)
    {
        context.Response.StatusCode = status ?? ErrorCodes.Get(code).Status;
        if (retryAfter is { } delay)
        {
            SetRetryAfter(context.Response, delay);
        }

        // No RequestAborted: after a request timeout that token is cancelled, and the 503 must still be written.
        return context.Response.WriteAsJsonAsync(Envelope(code, message, details), CancellationToken.None);
    }
}
