using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AccountService.Configuration;

internal static class SelfValidation
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
            if (ex is not OptionsValidationException invalid)
            {
                return null;
            }

            failures.AddRange(invalid.Failures.Select(f => f.ReplaceLineEndings(" ")));
        }

        return failures.Count == 0 ? null : string.Join("; ", failures);
    }

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
