using System.ComponentModel.DataAnnotations;

namespace AccountService.Billing;

/// <summary>Settings under <c>Stripe</c>. Without a secret key the service runs with no payment provider.</summary>
internal sealed class StripeOptions : IValidatableObject
{
    public const string Section = "Stripe";

    /// <summary>The Stripe secret key (environment only: <c>Stripe__SecretKey</c>).</summary>
    public string? SecretKey { get; set; }

    /// <summary>
    /// The signing secret of the webhook endpoint (<c>whsec_…</c>; environment only: <c>Stripe__WebhookSecret</c>).
    /// Without it <c>POST /webhooks/stripe</c> answers 404.
    /// </summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Stripe's API root; tests and compose point it at a stub or stripe-mock.</summary>
    public Uri ApiBase { get; set; } = new("https://api.stripe.com");

    /// <summary>All the time one card lookup may take, Stripe.net's own retries included.</summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a customer's card (or its absence) is reused before Stripe is asked again.</summary>
    public TimeSpan CardCacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the breaker stays open once Stripe-wide trouble opened it: lookups answer from the last known cards
    /// at once without asking Stripe, then a single probe decides whether it closes.
    /// </summary>
    public TimeSpan FailureCooldown { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The share of lookups in the sampling window that must fail Stripe-wide for the breaker to open.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>How many lookups the sampling window must hold before the breaker may open.</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>The window over which the breaker counts lookups and failures; a customer counts once in it.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries Stripe.net makes within the time budget for network errors and retryable responses.</summary>
    public int MaxNetworkRetries { get; set; } = 2;

    public bool HasSecretKey => !string.IsNullOrWhiteSpace(SecretKey);

    public bool HasWebhookSecret => !string.IsNullOrWhiteSpace(WebhookSecret);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ApiBase.IsAbsoluteUri || ApiBase.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult($"{Section}:ApiBase must be an absolute http(s) URL.");
        }

        // The lower bounds are Polly's: its timeout takes at least 10 ms, its breaker windows at least 500 ms.
        if (TimeBudget < TimeSpan.FromMilliseconds(10) || TimeBudget > TimeSpan.FromSeconds(30))
        {
            yield return new ValidationResult($"{Section}:TimeBudget must be between 00:00:00.010 and 00:00:30.");
        }

        if (CardCacheTtl <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:CardCacheTtl must be positive.");
        }

        if (FailureCooldown < TimeSpan.FromMilliseconds(500) || FailureCooldown > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult($"{Section}:FailureCooldown must be between 00:00:00.500 and 00:10:00.");
        }

        if (BreakerFailureRatio is <= 0 or > 1)
        {
            yield return new ValidationResult($"{Section}:BreakerFailureRatio must be above 0 and at most 1.");
        }

        if (BreakerMinimumThroughput < 2)
        {
            yield return new ValidationResult($"{Section}:BreakerMinimumThroughput must be at least 2.");
        }

        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500) || BreakerSamplingDuration > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult($"{Section}:BreakerSamplingDuration must be between 00:00:00.500 and 01:00:00.");
        }

        if (MaxNetworkRetries is < 0 or > 5)
        {
            yield return new ValidationResult($"{Section}:MaxNetworkRetries must be between 0 and 5.");
        }
    }
}
