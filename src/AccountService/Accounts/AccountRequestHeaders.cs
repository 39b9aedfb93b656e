using AccountService.Errors;
using AccountService.Server;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace AccountService.Accounts;

/// <summary>Headers the account endpoints read, checked before the handler runs.</summary>
internal sealed record AccountRequestHeaders(
    [FromHeader(Name = RequestId.Header)] string? RequestId,
    [FromHeader(Name = AccountRequestHeaders.IdempotencyKeyHeader)] string? IdempotencyKey)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const int IdempotencyKeyMaxLength = 255;
}

internal sealed class AccountRequestHeadersValidator : AbstractValidator<AccountRequestHeaders>
{
    public AccountRequestHeadersValidator()
    {
        RuleFor(h => h.RequestId)
            .Must(RequestId.IsValid)
            .When(h => h.RequestId is not null)
            .WithMessage(RequestId.Rule)
            .WithErrorCode(ErrorCodes.ValidationFailed)
            .OverridePropertyName(RequestId.Header);

        RuleFor(h => h.IdempotencyKey)
            .MaximumLength(AccountRequestHeaders.IdempotencyKeyMaxLength)
            .WithMessage($"must be at most {AccountRequestHeaders.IdempotencyKeyMaxLength} characters")
            .WithErrorCode(ErrorCodes.InvalidIdempotencyKey)
            .OverridePropertyName(AccountRequestHeaders.IdempotencyKeyHeader);
    }
}
