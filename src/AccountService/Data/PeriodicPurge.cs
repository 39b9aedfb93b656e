namespace AccountService.Data;

/// <summary>
/// Deletes rows past their retention: at start and every <see cref="Interval"/> after. Every replica runs it; a
/// delete is one statement, so they do not get in each other's way. A round that fails (the database is down) is
/// only late: it is logged and the next round tries again, and the host keeps serving.
/// </summary>
internal abstract partial class PeriodicPurge(IServiceScopeFactory scopes, TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>What is deleted, for the logs ("expired Idempotency-Key records").</summary>
    protected abstract string What { get; }

    protected abstract TimeSpan Interval { get; }

    protected TimeProvider Time => time;

    /// <summary>Runs one round now; returns how many rows it deleted.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await DeleteAsync(scope.ServiceProvider, ct);
    }

    /// <summary>The delete, with a scope's services; returns how many rows it deleted.</summary>
    protected abstract Task<int> DeleteAsync(IServiceProvider services, CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    var deleted = await PurgeAsync(stoppingToken);
                    LogPurged(logger, deleted, What);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogPurgeFailed(logger, What, ex.GetBaseException().Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 90, Level = LogLevel.Debug, Message = "Deleted {Count} {What}")]
    private static partial void LogPurged(ILogger logger, int count, string what);

    [LoggerMessage(EventId = 91, Level = LogLevel.Warning, Message = "Could not delete {What}; the next round tries again: {Reason}")]
    private static partial void LogPurgeFailed(ILogger logger, string what, string reason);
}
