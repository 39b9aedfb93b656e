using AccountService.Errors;

namespace Microsoft.AspNetCore.Builder;

internal static class ErrorPipelineExtensions
{
    public static IApplicationBuilder UseErrorEnvelope(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Runs only if GlobalExceptionHandler could not write (it always tries first).
            ExceptionHandler = context => context.RequestServices.GetRequiredService<ApiErrors>()
                .WriteAsync(context, ErrorCodes.InternalError, $"An unexpected error occurred. Request id: {context.TraceIdentifier}."),
        });

        // Routing, auth and the framework answer some failures with an empty body; fill in the envelope.
        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            var (code, message) = ForStatus(http.Response.StatusCode);
            return http.RequestServices.GetRequiredService<ApiErrors>()
                .WriteAsync(http, code, message, status: http.Response.StatusCode);
        });
        return app;
    }

    private static (string Code, string Message) ForStatus(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => (ErrorCodes.Unauthorized, ErrorCodes.UnauthorizedMessage),
        StatusCodes.Status403Forbidden => (ErrorCodes.Forbidden, "The credential does not allow this request."),
        StatusCodes.Status404NotFound => (ErrorCodes.NotFound, "Resource not found."),
        StatusCodes.Status405MethodNotAllowed => (ErrorCodes.MethodNotAllowed, "The method is not allowed for this resource."),
        StatusCodes.Status415UnsupportedMediaType => (ErrorCodes.UnsupportedMediaType, $"The body must be sent as {JsonBodyFilter.MediaType}."),
        StatusCodes.Status429TooManyRequests => (ErrorCodes.RateLimited, "Too many requests."),
        StatusCodes.Status503ServiceUnavailable => (ErrorCodes.ServiceUnavailable, "The service is temporarily unavailable."),
        >= 500 => (ErrorCodes.InternalError, "An unexpected error occurred."),
        _ => (ErrorCodes.ValidationFailed, "The request could not be processed."),
    };
}
