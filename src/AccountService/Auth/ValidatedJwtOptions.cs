using System.ComponentModel.DataAnnotations;
using AccountService.Callers;

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
    /// token again skips the signature check; bounded apart from <c>Cache:MaxCallers</c>: about 0.6 KB each. At least
    /// <see cref="CacheOptions.MinCallers"/>, for the same reason as the caller cache's bound.
    /// </summary>
    public int MaxValidatedJwts { get; set; } = 10_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxValidatedJwts is < CacheOptions.MinCallers or > 10_000_000)
        {
            yield return new ValidationResult(
                $"{Section}:MaxValidatedJwts must be between {CacheOptions.MinCallers} and 10000000.", [nameof(MaxValidatedJwts)]);
        }
    }
}
