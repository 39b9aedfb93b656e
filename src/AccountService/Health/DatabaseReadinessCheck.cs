using AccountService.Data;
using AccountService.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AccountService.Health;

/// <summary>
/// Readiness of the database: <c>SELECT 1</c> on a pooled connection (EF's <c>CanConnectAsync</c> would open a new,
/// unpooled one per probe). Probes are answered from one check at a time: concurrent probes share the check in flight,
/// and its result is reused for <see cref="Freshness"/>, so a burst of probes costs the database one query, not one
/// connection each. Probes skip load shedding, so this is what bounds them. <see cref="Observe"/> gives the same
/// result to the <c>accountservice_ready</c> gauge.
/// </summary>
internal sealed class DatabaseReadinessCheck(IServiceScopeFactory scopes, TimeProvider time) : IHealthCheck
{
    public const string Name = "database";

    /// <summary>How long a result answers later probes.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    // A check is not tied to any one probe's cancellation; the connection string's timeouts bound it, and this too.
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private Task<Exception?>? _current;
    private long _finishedAt;
    private volatile bool _ready;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failure = await Current().WaitAsync(cancellationToken);
        return failure is null
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, "The database did not answer.", failure);
    }

    /// <summary>
    /// Whether the last finished check passed (false before the first has). Without waiting, it starts a fresh check
    /// when the last one is stale, so a scrape keeps the answer current even where nothing probes
    /// <c>/health/ready</c>: it reads at most one check behind.
    /// </summary>
    public bool Observe()
    {
        _ = Current();
        return _ready;
    }

    private Task<Exception?> Current()
    {
        lock (_gate)
        {
            if (_current is null || (_current.IsCompleted && time.GetElapsedTime(_finishedAt) >= Freshness))
            {
                _current = RunAsync();
            }

            return _current;
        }
    }

    private async Task<Exception?> RunAsync()
    {
        Exception? failure = null;
        try
        {
            using var timeout = new CancellationTokenSource(CheckTimeout, time);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AccountDbContext>();
            await db.Database.ExecuteSqlRawAsync("SELECT 1", timeout.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            failure = ex;
        }
        finally
        {
            _ready = failure is null;
            _finishedAt = time.GetTimestamp();
        }

        return failure;
    }
}

internal static class DatabaseReadinessCheckExtensions
{
    /// <summary>The database readiness check, tagged for <c>/health/ready</c>.</summary>
    public static IHealthChecksBuilder AddDatabaseReadiness(this IHealthChecksBuilder checks)
    {
        checks.Services.AddSingleton<DatabaseReadinessCheck>();
        checks.Services.AddServiceGauge(
            "accountservice.ready",
            "1 while the readiness check passes (the database answers), else 0; a scrape starts a fresh check when the last is over a second old.",
            services => services.GetRequiredService<DatabaseReadinessCheck>().Observe() ? 1 : 0);
        return checks.AddCheck<DatabaseReadinessCheck>(DatabaseReadinessCheck.Name, tags: [HealthTags.Ready]);
    }
}
