using System.ComponentModel.DataAnnotations;

namespace AccountService.Server;

/// <summary>Settings under <c>Server</c>.</summary>
internal sealed class ServerOptions : IValidatableObject
{
    public const string Section = "Server";

    /// <summary>How long in-flight requests may take to finish after SIGTERM before the process exits anyway.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>The most one request may take; past it the request is cancelled and answered 503.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests processed at once; more wait in a queue of <see cref="MaxQueuedRequests"/>, then get 503.</summary>
    public int MaxConcurrentRequests { get; set; } = 512;

    public int MaxQueuedRequests { get; set; } = 2048;

    /// <summary>Concurrent streams on one HTTP/2 connection: every request the process takes, running or queued.</summary>
    public int MaxStreamsPerConnection => (int)Math.Min(int.MaxValue, (long)MaxConcurrentRequests + MaxQueuedRequests);

    /// <summary>
    /// Open connections at once, idle keep-alive ones included; Kestrel refuses more. Room for every running and
    /// queued request plus a gateway's idle pool.
    /// </summary>
    public int MaxConcurrentConnections { get; set; } = 4096;

    /// <summary>
    /// How long an idle connection stays open (Kestrel's own default is 130 s). Keep it above the idle timeout of the
    /// gateway in front (60 s on AWS ALB and nginx), or the gateway may send a request on a connection just closed.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(75);

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

        if (MaxConcurrentConnections < 1)
        {
            yield return new ValidationResult($"{Section}:MaxConcurrentConnections must be at least 1.");
        }

        if (KeepAliveTimeout <= TimeSpan.Zero || KeepAliveTimeout > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult($"{Section}:KeepAliveTimeout must be between 00:00:00 and 00:10:00.");
        }
    }
}
