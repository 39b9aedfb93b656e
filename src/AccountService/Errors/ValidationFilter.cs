using FluentValidation;

namespace AccountService.Errors;

/// <summary>
/// Runs the <see cref="IValidator{T}"/> of an endpoint's <typeparamref name="T"/> argument before the handler. Failures
/// answer with one detail per problem; the envelope's code is the first failure's code when it is one of the
/// table's (e.g. INVALID_IDEMPOTENCY_KEY), else VALIDATION_FAILED.
/// </summary>
internal sealed class ValidationFilter<T>(IValidator<T> validator, ApiErrors errors) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var argument = context.Arguments.OfType<T>().FirstOrDefault();
        if (argument is null)
        {
            return await next(context);
        }

        var result = await validator.ValidateAsync(argument, context.HttpContext.RequestAborted);
        if (result.IsValid)
        {
            return await next(context);
        }

        var details = result.Errors.Select(e => new ErrorDetail(e.PropertyName, e.ErrorMessage, e.ErrorCode)).ToList();
        var code = details.Select(d => d.Code).FirstOrDefault(ErrorCodes.IsKnown) ?? ErrorCodes.ValidationFailed;
        return errors.Result(code, "The request is invalid; see details.", details);
    }
}
