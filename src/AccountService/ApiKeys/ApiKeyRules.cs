using System.Buffers;
using System.Text;
using AccountService.Errors;
using FluentValidation;

namespace AccountService.ApiKeys;

/// <summary>The rules of API keys, the same whether a key is managed over HTTP or with the operator CLI.</summary>
internal static class ApiKeyRules
{
    /// <summary>Active (not revoked) keys one account may hold at once.</summary>
    public const int MaxActiveKeysPerAccount = 10;

    /// <summary>The most characters (Unicode code points, as PostgreSQL counts them) a key's name may have.</summary>
    public const int NameMaxLength = 64;

    /// <summary>A key's name: required, 1–64 characters, no control characters; each problem has its own message.</summary>
    public static IRuleBuilderOptions<T, string> MustBeKeyName<T>(this IRuleBuilderInitial<T, string> rule) =>
        rule.Cascade(CascadeMode.Stop)
            .Must(name => !string.IsNullOrWhiteSpace(name))
            .WithMessage("is required")
            .WithErrorCode(ErrorCodes.ValidationFailed)
            .Must(name => CodePoints(name) <= NameMaxLength)
            .WithMessage($"must be at most {NameMaxLength} characters")
            .WithErrorCode(ErrorCodes.ValidationFailed)
            .Must(IsPlainText)
            .WithMessage("must not contain control characters")
            .WithErrorCode(ErrorCodes.ValidationFailed);

    private static int CodePoints(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    // No control characters (C0, DEL, C1) and no unpaired surrogate, which no database encoding could store.
    private static bool IsPlainText(string text)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var used) != OperationStatus.Done || Rune.IsControl(rune))
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }
}
