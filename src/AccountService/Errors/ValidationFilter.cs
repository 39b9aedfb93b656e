using FluentValidation;
using FluentValidation.Results;

namespace AccountService.Errors;

/// <summary>
/// Runs the <see cref="IValidator{T}"/> of an endpoint's <typeparamref name="T"/> argument before the handler. Failures
/// answer with one detail per problem; the envelope's code is the first failure's code when it is one of the
/// table's (e.g. INVALID_IDEMPOTENCY_KEY), else VALIDATION_FAILED.
/// </summary>
internal sealed class ValidationFilter<T>(IValidator<T> validator, ApiErrors errors) : IEndpointFilter
{
    // Set once a validator of T turns out to have an asynchronous rule; until then rules run synchronously, which
    // costs a request no state machine (every endpoint validates its headers).
    private static volatile bool _hasAsyncRules;

    /// <summary>
    /// For <c>AddEndpointFilterFactory</c>: the endpoint's filter, made once when the endpoint is built. (Added with
    /// <c>AddEndpointFilter&lt;ValidationFilter&lt;T&gt;&gt;</c>, it would be made again for every request.)
    /// </summary>
    public static EndpointFilterDelegate PerEndpoint(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var filter = ActivatorUtilities.CreateInstance<ValidationFilter<T>>(context.ApplicationServices);
        return invocation => filter.InvokeAsync(invocation, next);
    }

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (Argument(context) is not { } argument)
        {
            return next(context);
        }

        if (!_hasAsyncRules)
        {
            try
            {
                var result = validator.Validate(argument);
                return result.IsValid ? next(context) : ValueTask.FromResult<object?>(Refuse(result));
            }
            catch (AsyncValidatorInvokedSynchronouslyException)
            {
                _hasAsyncRules = true;
            }
        }

        return ValidateAsync(argument, context, next);
    }

    private async ValueTask<object?> ValidateAsync(T argument, EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await validator.ValidateAsync(argument, context.HttpContext.RequestAborted);
        return result.IsValid ? await next(context) : Refuse(result);
    }

    private static T? Argument(EndpointFilterInvocationContext context)
    {
        foreach (var argument in context.Arguments)
        {
            if (argument is T match)
            {
                return match;
            }
        }

        return default;
    }

    private ErrorResult Refuse(ValidationResult result)
    {
        var details = result.Errors.Select(e => new ErrorDetail(e.PropertyName, e.ErrorMessage, e.ErrorCode)).ToList();
        var code = details.Select(d => d.Code).FirstOrDefault(ErrorCodes.IsKnown) ?? ErrorCodes.ValidationFailed;
        return errors.Result(code, "The request is invalid; see details.", details);
    }
}
