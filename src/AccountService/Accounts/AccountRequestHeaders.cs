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

    /// <summary>What a usable <c>Idempotency-Key</c> is, as the 400's detail says it.</summary>
    public const string IdempotencyKeyRule = "must be sent once, as 1–255 characters other than a comma";

    /// <summary>
    /// A single key where one is used. As for <c>X-Request-Id</c> (<see cref="Server.RequestId.IsValid"/>), a comma is
    /// refused: repeated header lines arrive joined by commas, so two keys and one key with a comma look the same.
    /// </summary>
    public static bool IsUsableIdempotencyKey(string? value) =>
        value is { Length: > 0 and <= IdempotencyKeyMaxLength } && !value.Contains(',', StringComparison.Ordinal);
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
