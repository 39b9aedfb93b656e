using System.Text.RegularExpressions;
using AccountService.Data;
using FluentValidation;

namespace AccountService.Operations;

/// <summary>Input rules shared by the operator commands; lengths come from the schema's <see cref="Limits"/>.</summary>
internal static partial class InputRules
{
    public static IRuleBuilderOptions<T, string> MustBeId<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(Ids.IsValid)
            .WithMessage($"must be 1–{Limits.IdLength} letters, digits, '_' or '-'");

    public static IRuleBuilderOptions<T, string?> MustBeText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.Must(t => t is null || (t.Length is > 0 && t.Length <= maxLength && !t.Any(char.IsControl)))
            .WithMessage($"must be 1–{maxLength} characters with no control characters");

    public static IRuleBuilderOptions<T, string?> MustBeStripeId<T>(this IRuleBuilder<T, string?> rule, string prefix) =>
        rule.Must(id => id is null || (id.Length <= Limits.ExternalIdLength && id.StartsWith(prefix, StringComparison.Ordinal) && StripeIdPattern().IsMatch(id)))
            .WithMessage($"must be a Stripe id starting with {prefix}");

    [GeneratedRegex("^[a-z]+_[A-Za-z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex StripeIdPattern();
}
