using System.ComponentModel.DataAnnotations;

namespace AccountService.Server;

/// <summary>Settings under <c>Server</c>.</summary>
internal sealed class ServerSettings : IValidatableObject
{
    public const string Section = "Server";

    /// <summary>How long in-flight requests may take to finish after SIGTERM before the process exits anyway.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ShutdownTimeout <= TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult($"{Section}:ShutdownTimeout must be between 00:00:00 and 00:05:00.");
        }
    }
}
