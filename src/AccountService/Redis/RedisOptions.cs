using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace AccountService.Redis;

/// <summary>
/// <c>ConnectionStrings:Redis</c> (env <c>ConnectionStrings__Redis</c>): optional. With it, replicas share their
/// rate-limit budgets (reserved in slices, see <c>RateLimiting/WindowBudgets</c>) and the card cache's second level;
/// without it, or while it cannot be reached, each replica keeps its own budgets and cards.
/// </summary>
internal sealed class RedisOptions : IValidatableObject
{
    public const string ConnectionStringName = "Redis";

    public string? ConnectionString { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>
    /// Whether the service shares through Redis: the one answer to "is Redis on?", for what is registered at start
    /// (budgets, the card cache's second level, the readiness check) alike.
    /// </summary>
    public static bool IsEnabled(IConfiguration configuration) => From(configuration).Enabled;

    public static RedisOptions From(IConfiguration configuration) =>
        new() { ConnectionString = configuration.GetConnectionString(ConnectionStringName) };

    /// <summary>
    /// The configuration the service connects with: short timeouts, so a dead Redis costs a request milliseconds,
    /// and no giving up at start, so a Redis that comes later is used from then on.
    /// </summary>
    public ConfigurationOptions Configuration()
    {
        var configuration = ConfigurationOptions.Parse(ConnectionString!);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 1000);
        configuration.SyncTimeout = Math.Min(configuration.SyncTimeout, 100);
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 100);
        configuration.ConnectRetry = 1;
        configuration.ClientName ??= "accountservice";
        return configuration;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        string? error = null;
        try
        {
            _ = ConfigurationOptions.Parse(ConnectionString!);
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
        }

        if (error is not null)
        {
            yield return new ValidationResult($"ConnectionStrings:{ConnectionStringName} is not a valid Redis configuration: {error}");
        }
    }
}
