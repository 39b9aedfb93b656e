using System.ComponentModel.DataAnnotations;

namespace AccountService.Auth;

/// <summary>
/// <c>Cache:MaxValidatedJwts</c>: how many validated JWTs are remembered (<see cref="CachingJsonWebTokenHandler"/>).
/// The rest of the <c>Cache</c> section is the caller cache's.
/// </summary>
internal sealed class ValidatedJwtOptions : IValidatableObject
{
    public const string Section = "Cache";

    /// <summary>
    /// Validated JWTs remembered (each at most 5 minutes and never past its expiry), so a caller presenting the same
    /// token again skips the signature check; bounded apart from <c>Cache:MaxCallers</c>: about 0.6 KB each.
    /// </summary>
    public int MaxValidatedJwts { get; set; } = 10_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxValidatedJwts is < 1 or > 10_000_000)
        {
            yield return new ValidationResult($"{Section}:MaxValidatedJwts must be between 1 and 10000000.", [nameof(MaxValidatedJwts)]);
        }
    }
}
