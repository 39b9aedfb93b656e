using System.ComponentModel.DataAnnotations;

namespace AccountService.Server;

/// <summary>Settings under <c>Server</c>.</summary>
internal sealed class ServerSettings : IValidatableObject
{
    public const string Section = "Server";

    /// <summary>How long in-flight requests may take to finish after SIGTERM before the process exits anyway.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>The most one request may take; past it the request is cancelled and answered 503.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests processed at once; more wait in a queue of <see cref="MaxQueuedRequests"/>, then get 503.</summary>
    public int MaxConcurrentRequests { get; set; } = 512;

    public int MaxQueuedRequests { get; set; } = 2048;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ShutdownTimeout <= TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult($"{Section}:ShutdownTimeout must be between 00:00:00 and 00:05:00.");
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult($"{Section}:RequestTimeout must be between 00:00:00 and 00:05:00.");
        }

        if (MaxConcurrentRequests < 1 || MaxQueuedRequests < 0)
        {
            yield return new ValidationResult($"{Section}:MaxConcurrentRequests must be at least 1 and {Section}:MaxQueuedRequests at least 0.");
        }
    }
}
