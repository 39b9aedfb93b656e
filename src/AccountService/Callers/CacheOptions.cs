using System.ComponentModel.DataAnnotations;

namespace AccountService.Callers;

/// <summary>
/// Settings under <c>Cache</c>: how many callers are kept in memory, and how long they may outlive the database.
/// <c>Cache:MaxValidatedJwts</c> is authentication's (<c>ValidatedJwtOptions</c>).
/// </summary>
internal sealed class CacheOptions : IValidatableObject
{
    public const string Section = "Cache";

    /// <summary>
    /// Callers kept in memory: each API key, and each account that calls with a JWT, counts as one; an account and its
    /// seats are held once for all its callers. Beyond it the policy (W-TinyLFU) evicts the callers seen least often.
    /// </summary>
    public int MaxCallers { get; set; } = 100_000;

    /// <summary>
    /// The least <see cref="MaxCallers"/>. The policy splits the bound into a window, a protected and a probation
    /// segment and evicts from probation; with a handful of callers probation can run dry while writes from many
    /// threads are applied, and BitFaster.Caching's eviction then fails (a <see cref="NullReferenceException"/>).
    /// </summary>
    public const int MinCallers = 100;

    /// <summary>
    /// While the database cannot be reached, known callers are answered from memory for at most this long after
    /// their data was last known to be current; <c>0</c> turns it off.
    /// </summary>
    public TimeSpan StaleIfError { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the API keys used since the last write get their <c>last_used_at</c> written, in one statement.</summary>
    public TimeSpan KeyUsageFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxCallers is < MinCallers or > 10_000_000)
        {
            yield return new ValidationResult($"{Section}:MaxCallers must be between {MinCallers} and 10000000.", [nameof(MaxCallers)]);
        }

        if (StaleIfError < TimeSpan.Zero || StaleIfError > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult($"{Section}:StaleIfError must be between 00:00:00 and 01:00:00.", [nameof(StaleIfError)]);
        }

        if (KeyUsageFlushInterval < TimeSpan.FromMilliseconds(10) || KeyUsageFlushInterval > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult(
                $"{Section}:KeyUsageFlushInterval must be between 00:00:00.010 and 00:01:00.", [nameof(KeyUsageFlushInterval)]);
        }
    }
}
