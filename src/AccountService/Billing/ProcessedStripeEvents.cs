using AccountService.Data;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Billing;

/// <summary>
/// The record of applied Stripe events: an event id is applied once, however often and however concurrently Stripe
/// delivers it. Records older than <see cref="Retention"/> are deleted every hour; Stripe stops retrying an event
/// after three days, so a month is ample.
/// </summary>
internal sealed class ProcessedStripeEvents(IServiceScopeFactory scopes, TimeProvider time, ILogger<ProcessedStripeEvents> logger)
    : PeriodicPurge(scopes, time, logger)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

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

    protected override string What => "processed Stripe event records past their retention";

    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override Task<int> DeleteAsync(IServiceProvider services, CancellationToken ct)
    {
        var cutoff = Time.GetUtcNow() - Retention;
        return services.GetRequiredService<AccountDbContext>().ProcessedStripeEvents
            .Where(e => e.ProcessedAt < cutoff)
            .ExecuteDeleteAsync(ct);
    }
}
