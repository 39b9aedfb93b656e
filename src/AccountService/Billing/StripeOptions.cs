using System.ComponentModel.DataAnnotations;

namespace AccountService.Billing;

/// <summary>Settings under <c>Stripe</c>. Without a secret key the service runs with no payment provider.</summary>
internal sealed class StripeOptions : IValidatableObject
{
    public const string Section = "Stripe";

    /// <summary>The Stripe secret key (environment only: <c>Stripe__SecretKey</c>).</summary>
    public string? SecretKey { get; set; }

    /// <summary>Stripe's API root; tests and compose point it at a stub or stripe-mock.</summary>
    public Uri ApiBase { get; set; } = new("https://api.stripe.com");

    /// <summary>All the time one card lookup may take, Stripe.net's own retries included.</summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a customer's card (or its absence) is reused before Stripe is asked again.</summary>
    public TimeSpan CardCacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// After Stripe fails to answer, how long lookups skip it and answer from the last known cards at once, so an
    /// outage costs one request per cooldown the full time budget instead of every request.
    /// </summary>
    public TimeSpan FailureCooldown { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries Stripe.net makes within the time budget for network errors and retryable responses.</summary>
    public int MaxNetworkRetries { get; set; } = 2;

    public bool HasSecretKey => !string.IsNullOrWhiteSpace(SecretKey);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ApiBase.IsAbsoluteUri || ApiBase.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult($"{Section}:ApiBase must be an absolute http(s) URL.");
        }

        if (TimeBudget <= TimeSpan.Zero || TimeBudget > TimeSpan.FromSeconds(30))
        {
            yield return new ValidationResult($"{Section}:TimeBudget must be between 00:00:00 and 00:00:30.");
        }

        if (CardCacheTtl <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:CardCacheTtl must be positive.");
        }

        if (FailureCooldown < TimeSpan.Zero || FailureCooldown > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult($"{Section}:FailureCooldown must be between 00:00:00 and 00:10:00.");
        }

        if (MaxNetworkRetries is < 0 or > 5)
        {
            yield return new ValidationResult($"{Section}:MaxNetworkRetries must be between 0 and 5.");
        }
    }
}
