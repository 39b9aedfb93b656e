using AccountService.Data;
using Microsoft.AspNetCore.Diagnostics;

namespace AccountService.Errors;

/// <summary>
/// The last line: anything unhandled becomes a 500 INTERNAL_ERROR envelope naming the request id.
/// Exception text never reaches the client; it is logged once, here.
/// </summary>
internal sealed partial class GlobalExceptionHandler(ApiErrors errors, ILogger<GlobalExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException badRequest)
        {
            // Malformed requests (bad query values, unreadable bodies) are the caller's, not ours.
            // The framework's message describes the caller's own input, e.g. which parameter failed to bind.
            await errors.WriteAsync(httpContext, ErrorCodes.ValidationFailed, badRequest.Message, status: badRequest.StatusCode);
            return true;
        }

        if (DatabaseFaults.IsUnavailable(exception))
        {
            // An outage, not a bug: short, retryable, and logged without a stack per request.
            LogDatabaseUnavailable(logger, httpContext.TraceIdentifier, exception.GetBaseException().Message);
            await errors.WriteAsync(
                httpContext,
                ErrorCodes.ServiceUnavailable,
                $"The service is temporarily unavailable. Try again shortly. Request id: {httpContext.TraceIdentifier}.");
            return true;
        }

        LogUnhandled(logger, exception, httpContext.TraceIdentifier);
        await errors.WriteAsync(
            httpContext,
            ErrorCodes.InternalError,
            $"An unexpected error occurred. Request id: {httpContext.TraceIdentifier}.");
        return true;
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Database unavailable for request {RequestId}: {Reason}")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string requestId, string reason);

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception for request {RequestId}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string requestId);
}
