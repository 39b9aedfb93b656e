namespace AccountService.ApiKeys;

/// <summary>
/// Deletes <c>Idempotency-Key</c> records, and the encrypted answers they hold, once they are older than
/// <see cref="IdempotencyStore.Lifetime"/>: at start and every <see cref="Interval"/> after. Every replica runs it; the
/// delete is one statement, so they do not get in each other's way.
/// </summary>
internal sealed partial class IdempotencyPurge(
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<IdempotencyPurge> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                await PurgeAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PurgeAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var purged = await scope.ServiceProvider.GetRequiredService<IdempotencyStore>().PurgeExpiredAsync(ct);
            LogPurged(logger, purged);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The next round tries again; replays never use an expired record meanwhile, and the host keeps serving.
            LogPurgeFailed(logger, ex.GetBaseException().Message);
        }
    }

    [LoggerMessage(EventId = 62, Level = LogLevel.Debug, Message = "Deleted {Purged} expired Idempotency-Key records")]
    private static partial void LogPurged(ILogger logger, int purged);

    [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "Could not delete expired Idempotency-Key records; will retry: {Reason}")]
    private static partial void LogPurgeFailed(ILogger logger, string reason);
}
