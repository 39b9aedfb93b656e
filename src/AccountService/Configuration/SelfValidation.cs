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
