using AccountService.Errors;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace AccountService.Server;

/// <summary>The header every API endpoint reads, <c>X-Request-Id</c>, checked before the handler runs.</summary>
internal sealed record RequestHeaders([FromHeader(Name = RequestId.Header)] string? RequestId);

internal sealed class RequestHeadersValidator : AbstractValidator<RequestHeaders>
{
    public RequestHeadersValidator() => RuleFor(h => h.RequestId).MustBeRequestId();
}

internal static class RequestHeaderRules
{
    /// <summary>
    /// <see cref="RequestId.Rule"/> for a sent <c>X-Request-Id</c>, for every endpoint's headers; elsewhere the
    /// middleware replaces an id that breaks it (<see cref="RequestId.InvokeAsync"/>).
    /// </summary>
    public static IRuleBuilderOptions<T, string?> MustBeRequestId<T>(this IRuleBuilderInitial<T, string?> rule) =>
        rule.Must(id => id is null || RequestId.IsValid(id))
            .WithMessage(RequestId.Rule)
            .WithErrorCode(ErrorCodes.ValidationFailed)
            .OverridePropertyName(RequestId.Header);
}
