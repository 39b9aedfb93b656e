namespace AccountService.Server;

/// <summary>
/// The request id: the caller's <c>X-Request-Id</c> when it is sent once as 1–128 printable ASCII characters other than
/// a comma, else a new one (the account endpoints reject such a header with 400 instead; see
/// <see cref="Rule"/>). It becomes the request's TraceIdentifier, is echoed on every response, and scopes every log
/// line of the request as <c>RequestId</c>.
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

    /// <summary>
    /// 32 lowercase hex digits, 128 random bits. Ids need to be unique, not secret: they come from the thread's
    /// <see cref="Random.Shared"/> generator, which costs no system call (a GUID's bits come from the kernel).
    /// </summary>
    public static string NewId()
    {
        Span<byte> bits = stackalloc byte[16];
        Random.Shared.NextBytes(bits);
        return Convert.ToHexStringLower(bits);
    }

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var presented = context.Request.Headers[Header];
        var id = presented.Count == 1 && IsValid(presented[0]) ? presented[0]! : NewId();
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
        using (logger.BeginScope(new RequestIdScope(id, context.Request.Path.Value ?? "")))
        {
            await next(context);
        }
    }
}

/// <summary>
/// The log scope of a request: <c>RequestId</c> (ours, as in <c>X-Request-Id</c>) and <c>RequestPath</c>. It stands in
/// for the framework's hosting scope, which carries Kestrel's trace identifier under the same name and is off by
/// default (appsettings.json sets <c>Microsoft.AspNetCore.Hosting</c> to <c>None</c>, which hosting checks before
/// opening it); Kestrel's own id stays in its <c>ConnectionId</c> scope.
/// </summary>
internal sealed class RequestIdScope(string requestId, string requestPath) : IReadOnlyList<KeyValuePair<string, object>>
{
    public int Count => 2;

    public KeyValuePair<string, object> this[int index] => index switch
    {
        0 => new("RequestId", requestId),
        1 => new("RequestPath", requestPath),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"RequestId:{requestId} RequestPath:{requestPath}";
}
