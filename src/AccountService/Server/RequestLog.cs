using System.Diagnostics;

namespace AccountService.Server;

/// <summary>
/// An optional access log (<c>Logging:Requests=true</c>): one structured line per request, written as it ends, with
/// its method, path (never the query), status and duration. Off by default: the logs say nothing per request.
/// </summary>
internal sealed partial class RequestLog(ILogger<RequestLog> logger)
{
    public const string Setting = "Logging:Requests";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogRequest(logger, context.Request.Method, context.Request.Path.Value ?? "", context.Response.StatusCode, elapsedMs);
        }
    }

    [LoggerMessage(EventId = 81, Level = LogLevel.Information, Message = "{Method} {Path} {StatusCode} {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string path, int statusCode, double elapsedMs);
}
