using System.ComponentModel.DataAnnotations;

namespace AccountService.RateLimiting;

/// <summary>Settings under <c>RateLimits</c>: fixed one-minute windows, aligned to the clock.</summary>
internal sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "RateLimits";

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Requests one account may make per window (OrbitKit: 300).</summary>
    public int PerAccountPerMinute { get; set; } = 300;

    /// <summary>Requests without a valid credential one client IP may make per window; slows key guessing.</summary>
    public int PerIpPerMinute { get; set; } = 60;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PerAccountPerMinute is < 1 or > 1_000_000)
        {
            yield return new ValidationResult($"{Section}:PerAccountPerMinute must be between 1 and 1000000.");
        }

        if (PerIpPerMinute is < 1 or > 1_000_000)
        {
            yield return new ValidationResult($"{Section}:PerIpPerMinute must be between 1 and 1000000.");
        }
    }
}
