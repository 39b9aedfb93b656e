using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace AccountService.Billing;

/// <summary>
/// Applies a Stripe subscription to the seats linked to it (<c>subscriptions set --stripe-subscription</c>). The one
/// function behind the webhook and <c>stripe sync</c>, so a delivered event and a reconciled subscription can never
/// disagree. Each seat keeps Stripe's time of the state last applied to it; an older state is ignored. The event
/// record (when there is one) and the seats' change commit in one transaction: the caller's, or one of its own.
/// </summary>
internal sealed partial class SubscriptionSync(AccountDbContext db, TimeProvider time, ILogger<SubscriptionSync> logger)
{
    /// <param name="subscription">The subscription as Stripe showed it at <paramref name="asOf"/>.</param>
    /// <param name="asOf">The event's <c>created</c>, or when <c>stripe sync</c> read the subscription.</param>
    /// <param name="deleted">The subscription was deleted (<c>customer.subscription.deleted</c>): the seats are canceled.</param>
    /// <param name="stripeEvent">The delivered event, recorded so that it is applied once; null for a sync.</param>
    /// <param name="ct">Cancels the database work; nothing is committed then.</param>
    public async Task<SyncResult> ApplyAsync(
        Subscription subscription,
        DateTimeOffset asOf,
        bool deleted,
        StripeEventRef? stripeEvent,
        CancellationToken ct)
    {
        // A seat Stripe changed must not come back with an old primary: the transaction commits durably.
        var owned = await DurableCommit.RequireAsync(db, ct);
        try
        {
            if (stripeEvent is not null && !await ProcessedStripeEvents.TryRecordAsync(db, stripeEvent.Id, stripeEvent.Type, asOf, ct))
            {
                LogApplied(logger, subscription.Id, SyncOutcome.Duplicate, 0);
                return SyncResult.Duplicate;
            }

            // Locked, so concurrent events for one subscription apply one after the other and the order check holds.
            var seats = await db.AppSubscriptions
                .FromSql($"SELECT * FROM app_subscriptions WHERE stripe_subscription_id = {subscription.Id} ORDER BY app_id FOR UPDATE")
                .ToListAsync(ct);
            seats = await OwnCustomersSeatsAsync(seats, subscription, ct);
            var result = Apply(seats, subscription, asOf, deleted);
            await db.SaveChangesAsync(ct);
            if (owned is not null)
            {
                await owned.CommitAsync(ct);
            }

            LogApplied(logger, subscription.Id, result.Outcome, result.Changes.Count);
            return result;
        }
        finally
        {
            if (owned is not null)
            {
                await owned.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The seats whose account bills to the subscription's customer, or has no Stripe customer recorded. A seat whose
    /// account has another customer was linked to a subscription that is not its account's: it is left as it is,
    /// with a warning, so one customer's subscription never changes another account's seats.
    /// </summary>
    private async Task<List<AppSubscription>> OwnCustomersSeatsAsync(List<AppSubscription> seats, Subscription subscription, CancellationToken ct)
    {
        if (seats.Count == 0)
        {
            return seats;
        }

        var appIds = seats.Select(s => s.AppId).ToList();
        var owners = await db.Apps
            .Where(a => appIds.Contains(a.Id))
            .Join(db.Accounts, a => a.AccountId, account => account.Id, (a, account) => new { AppId = a.Id, AccountId = account.Id, account.StripeCustomerId })
            .ToDictionaryAsync(o => o.AppId, ct);
        var own = new List<AppSubscription>(seats.Count);
        foreach (var seat in seats)
        {
            var owner = owners[seat.AppId];
            if (owner.StripeCustomerId is { } customer && !string.Equals(customer, subscription.CustomerId, StringComparison.Ordinal))
            {
                LogOtherCustomer(logger, subscription.Id, subscription.CustomerId, seat.AppId, owner.AccountId, customer);
                continue;
            }

            own.Add(seat);
        }

        return own;
    }

    /// <summary>Stripe's subscription status as a seat's: null for a status this service does not know.</summary>
    public static SubscriptionStatus? StatusOf(string? stripeStatus) => stripeStatus switch
    {
        "active" or "trialing" => SubscriptionStatus.Active,
        "past_due" or "unpaid" => SubscriptionStatus.PastDue,
        "canceled" or "incomplete_expired" => SubscriptionStatus.Canceled,
        "incomplete" or "paused" => SubscriptionStatus.None,
        _ => null,
    };

    /// <summary>A price's recurring interval as a plan: null for intervals OrbitKit has no plan for (day, week).</summary>
    public static PlanType? PlanOf(string? interval) => interval switch
    {
        "month" => PlanType.Monthly,
        "year" => PlanType.Yearly,
        _ => null,
    };

    private SyncResult Apply(List<AppSubscription> seats, Subscription subscription, DateTimeOffset asOf, bool deleted)
    {
        if (seats.Count == 0)
        {
            return SyncResult.UnknownSubscription;
        }

        // API version 2026-10-28 keeps the plan and the period on the items; a seat is one item's quantity.
        var item = subscription.Items?.Data?.FirstOrDefault();
        var status = deleted ? SubscriptionStatus.Canceled : StatusOf(subscription.Status);
        var plan = PlanOf(item?.Price?.Recurring?.Interval);
        DateTimeOffset? periodEnd = item is { CurrentPeriodEnd: var end } && end != default
            ? new DateTimeOffset(DateTime.SpecifyKind(end, DateTimeKind.Utc))
            : null;

        var changes = new List<SeatChange>();
        var stale = 0;
        foreach (var seat in seats)
        {
            if (seat.StripeStateAt > asOf)
            {
                stale++;
                continue;
            }

            var before = SeatState.Of(seat);
            seat.Status = status ?? seat.Status;
            seat.PlanType = plan ?? seat.PlanType;
            seat.CancelAtPeriodEnd = subscription.CancelAtPeriodEnd;
            seat.CurrentPeriodEnd = periodEnd ?? seat.CurrentPeriodEnd;
            seat.StripeStateAt = asOf;
            var after = SeatState.Of(seat);
            if (after != before)
            {
                seat.UpdatedAt = time.GetUtcNow();
                changes.Add(new SeatChange(seat.AppId, before, after));
            }
        }

        return new SyncResult(stale == seats.Count ? SyncOutcome.Stale : SyncOutcome.Applied, changes);
    }

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning,
        Message = "Stripe subscription {SubscriptionId} belongs to customer {CustomerId}, but app {AppId}'s account {AccountId} bills to {AccountCustomerId}: seat left as it is")]
    private static partial void LogOtherCustomer(ILogger logger, string subscriptionId, string? customerId, string appId, string accountId, string accountCustomerId);

    [LoggerMessage(EventId = 32, Level = LogLevel.Information,
        Message = "Stripe subscription {SubscriptionId}: {Outcome}, {Changed} seat(s) changed")]
    private static partial void LogApplied(ILogger logger, string subscriptionId, SyncOutcome outcome, int changed);
}

/// <summary>A delivered event, as far as its record needs.</summary>
internal sealed record StripeEventRef(string Id, string Type);

internal enum SyncOutcome
{
    /// <summary>The state was applied to the linked seats (it may have changed nothing).</summary>
    Applied,

    /// <summary>The event was applied before.</summary>
    Duplicate,

    /// <summary>Every linked seat already holds a newer state.</summary>
    Stale,

    /// <summary>No seat is linked to the subscription.</summary>
    UnknownSubscription,
}

internal sealed record SyncResult(SyncOutcome Outcome, IReadOnlyList<SeatChange> Changes)
{
    public static readonly SyncResult Duplicate = new(SyncOutcome.Duplicate, []);
    public static readonly SyncResult UnknownSubscription = new(SyncOutcome.UnknownSubscription, []);
}

/// <summary>What a seat shows a caller.</summary>
internal sealed record SeatState(PlanType PlanType, SubscriptionStatus Status, bool CancelAtPeriodEnd, DateTimeOffset? CurrentPeriodEnd)
{
    public static SeatState Of(AppSubscription seat) => new(seat.PlanType, seat.Status, seat.CancelAtPeriodEnd, seat.CurrentPeriodEnd);
}

internal sealed record SeatChange(string AppId, SeatState Before, SeatState After);
