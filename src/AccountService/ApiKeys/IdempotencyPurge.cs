using AccountService.Data;

namespace AccountService.ApiKeys;

/// <summary>
/// Deletes <c>Idempotency-Key</c> records, and the encrypted answers they hold, once they are older than
/// <see cref="IdempotencyStore.Lifetime"/>; replays never use an expired record meanwhile.
/// </summary>
internal sealed class IdempotencyPurge(IServiceScopeFactory scopes, TimeProvider time, ILogger<IdempotencyPurge> logger)
    : PeriodicPurge(scopes, time, logger)
{
    protected override string What => "expired Idempotency-Key records";

    protected override TimeSpan Interval => TimeSpan.FromMinutes(10);

    protected override Task<int> DeleteAsync(IServiceProvider services, CancellationToken ct) =>
        services.GetRequiredService<IdempotencyStore>().PurgeExpiredAsync(ct);
}
