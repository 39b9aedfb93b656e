namespace AccountService.Server;

/// <summary>
/// The request id: the caller's <c>X-Request-Id</c> when it is sent once as 1–128 printable ASCII characters other than
/// a comma, else a new one (the account endpoints reject such a header with 400 instead; see <see cref="Rule"/>). It
/// becomes the request's TraceIdentifier, is echoed on every response, and scopes every log line.
/// </summary>
internal static class RequestId
{
    public const string Header = "X-Request-Id";
    public const int MaxLength = 128;

    /// <summary>What a valid header is, as the 400's detail says it.</summary>
    public const string Rule = "must be sent once, as 1–128 printable ASCII characters other than a comma";

    /// <summary>
    /// A single, well-formed id. A comma is refused because HTTP lets any hop join repeated header lines into one,
    /// comma-separated (RFC 9110 §5.3): two ids and one id with a comma could not be told apart.
    /// </summary>
    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= MaxLength } && value.All(c => c is >= ' ' and <= '~' and not ',');

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var presented = context.Request.Headers[Header];
        var id = presented.Count == 1 && IsValid(presented[0]) ? presented[0]! : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = id;
        context.Response.OnStarting(
            static state =>
            {
                var http = (HttpContext)state;
                http.Response.Headers[Header] = http.TraceIdentifier;
                return Task.CompletedTask;
            },
            context);

        var logger = context.RequestServices.GetRequiredService<ILogger<RequestIdScope>>();
        using (logger.BeginScope(new RequestIdScope(id)))
        {
            await next(context);
        }
    }
}

/// <summary>The log scope of a request: one RequestId property, formatted as <c>RequestId=…</c>.</summary>
internal sealed class RequestIdScope(string requestId) : IReadOnlyList<KeyValuePair<string, object>>
{
    public int Count => 1;

    public KeyValuePair<string, object> this[int index] =>
        index == 0 ? new("RequestId", requestId) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        yield return this[0];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"RequestId={requestId}";
}
