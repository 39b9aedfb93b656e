using System.Globalization;
using Microsoft.Extensions.Options;

namespace AccountService.Errors;

/// <summary>
/// The one writer of failures. Handlers and filters return its <see cref="ErrorResult"/>s; middleware, the exception
/// handler, status-code pages, the 401 challenge, the rate limiter, load shedding, request timeouts and the health
/// probe call <see cref="WriteAsync"/>. Either way the response gets the envelope, the code's status and
/// <c>docUrl</c> from <see cref="ErrorCodes"/>, the request id, <c>Cache-Control: no-store</c>, and the headers its
/// status calls for: <c>Retry-After</c> on 429 and 503, <c>WWW-Authenticate</c> on 401.
/// </summary>
internal sealed class ApiErrors(IOptions<ErrorOptions> options)
{
    /// <summary>What a 503 tells callers to wait before retrying, whatever is unavailable.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly Uri _docBase = options.Value.DocBaseUrl;

    public ErrorEnvelope Envelope(string code, string message, IReadOnlyList<ErrorDetail>? details = null) =>
        new(new ErrorBody(code, message, ErrorCodes.Get(code).DocUrl(_docBase), details ?? []));

    /// <summary>The envelope as an endpoint result, with the code's status from the table.</summary>
    public ErrorResult Result(string code, string message, IReadOnlyList<ErrorDetail>? details = null) =>
        new(this, code, message, details, status: null);

    /// <summary>413: a body over the endpoint's limit, refused before it is read whole.</summary>
    public ErrorResult TooLarge(string message) =>
        new(this, ErrorCodes.ValidationFailed, message, details: null, StatusCodes.Status413PayloadTooLarge);

    /// <summary>503: a dependency is down and the request may be retried as it is; <paramref name="code"/> names what.</summary>
    public ErrorResult Unavailable(string code, string message) =>
        new(this, code, message, details: null, StatusCodes.Status503ServiceUnavailable);

    /// <summary>
    /// Writes the envelope. <paramref name="status"/> overrides the table only where the framework chose the status
    /// (status-code pages, a malformed request) or a dependency is down (503). <paramref name="retryAfter"/> is for a
    /// caller that knows when a retry can succeed (a rate-limit window's reset); otherwise the policy decides.
    /// </summary>
    public Task WriteAsync(
        HttpContext context,
        string code,
        string message,
        IReadOnlyList<ErrorDetail>? details = null,
        int? status = null,
        TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Too late for a status and a body: cut the response off, so the caller cannot take it for a success.
            context.Abort();
            return Task.CompletedTask;
        }

        response.StatusCode = status ?? ErrorCodes.Get(code).Status;
        var headers = response.Headers;
        headers.CacheControl = "no-store";
        if (RetryAfterFor(response.StatusCode, retryAfter) is { } delay)
        {
            // Whole seconds, rounded up so a caller never retries too early.
            headers.RetryAfter = ((int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (response.StatusCode == StatusCodes.Status401Unauthorized && !headers.ContainsKey("WWW-Authenticate"))
        {
            headers.WWWAuthenticate = "Bearer";
        }

        // A body refused for its size is left unread, and Kestrel closes the connection rather than drain it: say so,
        // or a keep-alive client sends its next request down a connection that is about to be reset.
        if (response.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            headers.Connection = "close";
        }

        // No RequestAborted: after a request timeout that token is cancelled, and the 503 must still be written.
        return response.WriteAsJsonAsync(Envelope(code, message, details), CancellationToken.None);
    }

    /// <summary>
    /// The <c>Retry-After</c> policy: a 429 waits for its window to reset, a 503 for <see cref="RetryAfter"/>, and no
    /// other failure is worth retrying unchanged.
    /// </summary>
    private static TimeSpan? RetryAfterFor(int status, TimeSpan? known) => status switch
    {
        StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable => known ?? RetryAfter,
        _ => null,
    };
}
