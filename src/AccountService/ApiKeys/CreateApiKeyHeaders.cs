using AccountService.Errors;
using AccountService.Server;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace AccountService.ApiKeys;

/// <summary>Headers <c>POST /api/api-keys</c> reads, checked before the handler runs.</summary>
internal sealed record CreateApiKeyHeaders(
    [FromHeader(Name = RequestId.Header)] string? RequestId,
    [FromHeader(Name = IdempotencyStore.Header)] string? IdempotencyKey);

internal sealed class CreateApiKeyHeadersValidator : AbstractValidator<CreateApiKeyHeaders>
{
    public CreateApiKeyHeadersValidator()
    {
        RuleFor(h => h.RequestId).MustBeRequestId();

        // An empty key is as invalid as one that is too long, and two are refused.
        RuleFor(h => h.IdempotencyKey)
            .Must(IdempotencyStore.IsUsableKey)
            .When(h => h.IdempotencyKey is not null)
            .WithMessage(IdempotencyStore.KeyRule)
            .WithErrorCode(ErrorCodes.InvalidIdempotencyKey)
            .OverridePropertyName(IdempotencyStore.Header);
    }
}
