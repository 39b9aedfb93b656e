namespace AccountService.Errors;

/// <summary>An error envelope returned from an endpoint or filter; executing it hands it to <see cref="ApiErrors.WriteAsync"/>.</summary>
internal sealed class ErrorResult(ApiErrors errors, string code, string message, IReadOnlyList<ErrorDetail>? details, int? status)
    : IResult, IStatusCodeHttpResult, IValueHttpResult<ErrorEnvelope>
{
    public int? StatusCode => status ?? ErrorCodes.Get(code).Status;

    public ErrorEnvelope Value => errors.Envelope(code, message, details);

    public Task ExecuteAsync(HttpContext httpContext) => errors.WriteAsync(httpContext, code, message, details, status);
}
