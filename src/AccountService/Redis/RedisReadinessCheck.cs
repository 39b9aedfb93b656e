using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AccountService.Redis;

/// <summary>
/// Redis on <c>/health/ready</c>: degraded, never unhealthy, while it cannot be used, because the service keeps
/// answering on per-replica budgets and caches. Reads the connection's state; a probe sends nothing to Redis.
/// </summary>
internal sealed class RedisReadinessCheck(SharedRedis redis) : IHealthCheck
{
    public const string Name = "redis";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(redis.Database is null
            ? HealthCheckResult.Degraded("Redis cannot be reached; each replica uses its own budgets and card cache.")
            : HealthCheckResult.Healthy());
}
