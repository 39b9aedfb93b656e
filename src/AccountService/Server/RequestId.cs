namespace AccountService.Server;

/// <summary>
/// The request id: the caller's <c>X-Request-Id</c> when it is 1–128 printable ASCII characters, else a new one.
/// It becomes the request's TraceIdentifier, is echoed on every response, and scopes every log line.
/// </summary>
internal static class RequestId
{
    public const string Header = "X-Request-Id";
    public const int MaxLength = 128;

    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= MaxLength } && value.All(c => c is >= ' ' and <= '~');

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

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("AccountService.Request");
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = id }))
        {
            await next(context);
        }
    }
}
