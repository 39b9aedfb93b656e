using AccountService.Accounts;
using AccountService.Errors;
using AccountService.Server;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace AccountService.ApiKeys;

/// <summary>Headers <c>POST /api/api-keys</c> reads, checked before the handler runs.</summary>
internal sealed record CreateApiKeyHeaders(
    [FromHeader(Name = RequestId.Header)] string? RequestId,
    [FromHeader(Name = AccountRequestHeaders.IdempotencyKeyHeader)] string? IdempotencyKey);

internal sealed class CreateApiKeyHeadersValidator : AbstractValidator<CreateApiKeyHeaders>
{
    public CreateApiKeyHeadersValidator()
    {
        RuleFor(h => h.RequestId)
            .Must(RequestId.IsValid)
            .When(h => h.RequestId is not null)
            .WithMessage($"must be 1–{RequestId.MaxLength} printable ASCII characters")
            .WithErrorCode(ErrorCodes.ValidationFailed)
            .OverridePropertyName(RequestId.Header);

        // Here the key is used, so an empty one is as invalid as one that is too long, and two are refused.
        RuleFor(h => h.IdempotencyKey)
            .Must(AccountRequestHeaders.IsUsableIdempotencyKey)
            .When(h => h.IdempotencyKey is not null)
            .WithMessage(AccountRequestHeaders.IdempotencyKeyRule)
            .WithErrorCode(ErrorCodes.InvalidIdempotencyKey)
            .OverridePropertyName(AccountRequestHeaders.IdempotencyKeyHeader);
    }
}
