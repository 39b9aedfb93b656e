using System.Buffers;
using System.Globalization;
using System.Text;
using AccountService.Errors;
using FluentValidation;

namespace AccountService.Data;

/// <summary>
/// The one rule for names people give things (accounts, apps, API keys), whether given over HTTP or with the CLI: a
/// name is stored as <see cref="NormalizeName"/> makes it.
/// </summary>
internal static class NameRules
{
    /// <summary>
    /// Required, 1–<paramref name="maxLength"/> characters (Unicode code points, as PostgreSQL counts them) once in
    /// NFC, no control characters, no format characters (Cf), no separators but the space (Zl, Zp, and Zs other than
    /// U+0020), no noncharacters; each problem has its own message.
    /// </summary>
    public static IRuleBuilderOptions<T, string> MustBeName<T>(this IRuleBuilderInitial<T, string> rule, int maxLength) =>
        rule.Cascade(CascadeMode.Stop)
            .Must(name => !string.IsNullOrWhiteSpace(name))
            .WithMessage("is required")
            .WithErrorCode(ErrorCodes.ValidationFailed)
            .Must(name => CodePoints(NormalizeName(name)) <= maxLength)
            .WithMessage($"must be at most {maxLength} characters")
            .WithErrorCode(ErrorCodes.ValidationFailed)
            .Must(IsPlainText)
            .WithMessage("must not contain control characters")
            .WithErrorCode(ErrorCodes.ValidationFailed)
            .Must(IsVisibleText)
            .WithMessage("must not contain format characters, separators other than the space, or noncharacters")
            .WithErrorCode(ErrorCodes.ValidationFailed);

    /// <summary>
    /// The name as it is stored: in Unicode Normalization Form C. Not <see cref="string.Normalize()"/>: with invariant
    /// globalization (no ICU) it leaves non-ASCII text as it is. Text that is not valid UTF-16 is left as it is (the
    /// rule refuses it).
    /// </summary>
    public static string NormalizeName(string name) =>
        Ascii.IsValid(name) || !IsWellFormed(name) ? name : ADRaffy.ENSNormalize.ENSNormalize.NF.NFC(name);

    private static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(text, out _, out var used) != OperationStatus.Done)
            {
                return false;
            }

            text = text[used..];
        }

        return true;
    }

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

    // Nothing invisible or ambiguous in a list of keys: no format characters (bidi overrides, zero widths, BOM), no
    // line or paragraph separators, no spaces but U+0020, no noncharacters (U+FDD0–U+FDEF, U+xxFFFE, U+xxFFFF).
    private static bool IsVisibleText(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            var refused = Rune.GetUnicodeCategory(rune) switch
            {
                UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => true,
                UnicodeCategory.SpaceSeparator => rune.Value != ' ',
                _ => IsNoncharacter(rune.Value),
            };
            if (refused)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNoncharacter(int codePoint) => codePoint is >= 0xFDD0 and <= 0xFDEF || (codePoint & 0xFFFE) == 0xFFFE;
}
