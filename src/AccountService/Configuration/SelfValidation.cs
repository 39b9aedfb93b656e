using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AccountService.Configuration;

internal static partial class SelfValidation
{
    /// <summary>
    /// Validates options through their own <see cref="IValidatableObject.Validate"/> and reports its messages as they
    /// are, so a bad setting stops the start with one sentence naming the key.
    /// </summary>
    public static OptionsBuilder<T> ValidateSelfOnStart<T>(this OptionsBuilder<T> builder)
        where T : class, IValidatableObject
    {
        builder.Services.AddSingleton<IValidateOptions<T>>(new Validator<T>(builder.Name));
        return builder.ValidateOnStart();
    }

    /// <summary>
    /// The settings failures an exception reports, as one line (each failure names its key and rule), or null when it
    /// is not about settings. The start validates every ValidateOnStart options class at once, so several classes
    /// may fail together (an <see cref="AggregateException"/>).
    /// </summary>
    public static string? InvalidSettings(Exception exception)
    {
        IEnumerable<Exception> all = exception is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [exception];
        var failures = new List<string>();
        foreach (var ex in all)
        {
            switch (ex)
            {
                case OptionsValidationException invalid:
                    failures.AddRange(invalid.Failures.Select(f => f.ReplaceLineEndings(" ")));
                    break;
                case InvalidOperationException when UnconvertibleValue().Match(ex.Message) is { Success: true } match:
                    // The binder's message quotes the value, which may be a secret: only the key and the type are kept.
                    failures.Add($"{match.Groups["key"].Value} must be {Describe(match.Groups["type"].Value)}.");
                    break;
                default:
                    return null;
            }
        }

        return failures.Count == 0 ? null : string.Join("; ", failures);
    }

    private static string Describe(string type) => type switch
    {
        "System.TimeSpan" => "a time span such as 00:00:05",
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Double" or "System.Decimal" => "a number",
        "System.Boolean" => "true or false",
        "System.Uri" => "a URI",
        _ => $"a {type}",
    };

    /// <summary>ConfigurationBinder's failure for a value that does not convert to its property's type.</summary>
    [GeneratedRegex(@"^Failed to convert configuration value '.*' at '(?<key>[^']+)' to type '(?<type>[^']+)'\.$", RegexOptions.Singleline)]
    private static partial Regex UnconvertibleValue();

    private sealed class Validator<T>(string? name) : IValidateOptions<T>
        where T : class, IValidatableObject
    {
        public ValidateOptionsResult Validate(string? optionsName, T options)
        {
            if (name is not null && name != optionsName)
            {
                return ValidateOptionsResult.Skip;
            }

            var failures = options.Validate(new ValidationContext(options))
                .Select(result => result.ErrorMessage ?? "invalid setting")
                .ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
