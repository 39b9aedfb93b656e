using AccountService.Data;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Billing;

/// <summary>
/// The record of applied Stripe events: an event id is applied once, however often and however concurrently Stripe
/// delivers it. Every <see cref="PurgeInterval"/> records older than <see cref="Retention"/> are deleted; Stripe
/// stops retrying an event after three days, so a month is ample.
/// </summary>
internal sealed partial class ProcessedStripeEvents(
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<ProcessedStripeEvents> logger) : BackgroundService
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);
    public static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);

    /// <summary>
    /// Records the event in the caller's transaction; false when it was recorded before. A concurrent delivery of the
    /// same event waits on the first one's row and then sees it, so exactly one of them goes on to apply it.
    /// </summary>
    public static async Task<bool> TryRecordAsync(AccountDbContext db, string eventId, string type, DateTimeOffset created, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO processed_stripe_events (event_id, type, created)
            VALUES ({eventId}, {type}, {created})
            ON CONFLICT (event_id) DO NOTHING
            """,
            ct) == 1;

    public static Task<bool> IsRecordedAsync(AccountDbContext db, string eventId, CancellationToken ct) =>
        db.ProcessedStripeEvents.AnyAsync(e => e.EventId == eventId, ct);

    /// <summary>Deletes the records older than <see cref="Retention"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var cutoff = time.GetUtcNow() - Retention;
        return await scope.ServiceProvider.GetRequiredService<AccountDbContext>().ProcessedStripeEvents
            .Where(e => e.ProcessedAt < cutoff)
            .ExecuteDeleteAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PurgeInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var purged = await PurgeAsync(stoppingToken);
                    LogPurged(logger, purged);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A purge that fails (the database is down) is only late; the next tick tries again.
                    LogPurgeFailed(logger, ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 52, Level = LogLevel.Debug, Message = "Purged {Count} processed Stripe event record(s)")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(EventId = 53, Level = LogLevel.Warning, Message = "Could not purge processed Stripe events ({Failure}); trying again later")]
    private static partial void LogPurgeFailed(ILogger logger, string failure);
}
