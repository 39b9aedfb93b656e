using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;
using Stripe;

namespace AccountService.Billing;

/// <summary>
/// Applies one verified Stripe event. Subscription events go through <see cref="SubscriptionSync"/>, as
/// <c>stripe sync</c> does; customer and payment method events drop the customer's known card, so the next lookup
/// asks Stripe. Each event id is applied once. Other types, and objects no account or seat refers to, are ignored.
/// Nothing of the body is logged.
/// </summary>
internal sealed partial class StripeEventHandler(
    AccountDbContext db,
    SubscriptionSync subscriptions,
    IBillingLookup billing,
    ILogger<StripeEventHandler> logger)
{
    public async Task HandleAsync(Event stripeEvent, CancellationToken ct)
    {
        var created = new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc));
        var reference = new StripeEventRef(stripeEvent.Id, stripeEvent.Type);
        switch (stripeEvent.Type, stripeEvent.Data?.Object)
        {
            case (EventTypes.CustomerSubscriptionCreated or EventTypes.CustomerSubscriptionUpdated or EventTypes.CustomerSubscriptionDeleted,
                Subscription subscription):
                var result = await subscriptions.ApplyAsync(
                    subscription, created, deleted: stripeEvent.Type == EventTypes.CustomerSubscriptionDeleted, reference, ct);
                if (result.Outcome == SyncOutcome.UnknownSubscription)
                {
                    LogUnknownObject(logger, reference.Id, reference.Type, subscription.Id);
                }

                return;

            case (EventTypes.CustomerUpdated, Customer customer):
                await ForgetCardAsync(reference, created, customer.Id, ct);
                return;

            case (EventTypes.PaymentMethodAttached or EventTypes.PaymentMethodDetached
                or EventTypes.PaymentMethodUpdated or EventTypes.PaymentMethodAutomaticallyUpdated,
                PaymentMethod method):
                var customerId = method.CustomerId ?? PreviousCustomer(stripeEvent);
                await ForgetCardAsync(reference, created, customerId, ct);
                return;

            default:
                LogIgnoredType(logger, reference.Id, reference.Type);
                return;
        }
    }

    /// <summary>
    /// The first id of the event this service would store or look up that no column can hold (over
    /// <see cref="Limits.ExternalIdLength"/> characters, a NUL, a lone surrogate), as its JSON path; null when every one
    /// fits. Stripe's ids are short ASCII, so such an event is malformed, whoever signed it.
    /// </summary>
    public static string? UnstorableId(Event stripeEvent)
    {
        if (!IsStorable(stripeEvent.Id))
        {
            return "id";
        }

        return stripeEvent.Data?.Object switch
        {
            Subscription s when !IsStorable(s.Id) => "data.object.id",
            Subscription s when !IsStorable(s.CustomerId) => "data.object.customer",
            Customer c when !IsStorable(c.Id) => "data.object.id",
            PaymentMethod m when !IsStorable(m.Id) => "data.object.id",
            PaymentMethod m when !IsStorable(m.CustomerId) => "data.object.customer",
            PaymentMethod when !IsStorable(PreviousCustomer(stripeEvent)) => "data.previous_attributes.customer",
            _ => null,
        };
    }

    private static bool IsStorable(string? id)
    {
        if (id is null)
        {
            return true;
        }

        if (id.Length > Limits.ExternalIdLength)
        {
            return false;
        }

        for (var i = 0; i < id.Length; i++)
        {
            if (id[i] == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(id[i]) && i + 1 < id.Length && char.IsLowSurrogate(id[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(id[i]))
            {
                return false;
            }
        }

        return true;
    }

    // A detached method no longer names its customer; the event's previous attributes still do.
    private static string? PreviousCustomer(Event stripeEvent) =>
        (stripeEvent.Data?.PreviousAttributes as JObject)?["customer"] is JValue { Value: string customer } ? customer : null;

    private async Task ForgetCardAsync(StripeEventRef reference, DateTimeOffset created, string? customerId, CancellationToken ct)
    {
        if (await ProcessedStripeEvents.IsRecordedAsync(db, reference.Id, ct))
        {
            LogDuplicate(logger, reference.Id);
            return;
        }

        if (customerId is null || !await db.Accounts.AnyAsync(a => a.StripeCustomerId == customerId, ct))
        {
            LogUnknownObject(logger, reference.Id, reference.Type, customerId);
        }
        else
        {
            // Forgetting twice is harmless, so the record follows the change: a crash between them only repeats it.
            await billing.ForgetCardAsync(customerId, ct);
            LogCardForgotten(logger, reference.Id, customerId);
        }

        await ProcessedStripeEvents.TryRecordAsync(db, reference.Id, reference.Type, created, ct);
    }

    [LoggerMessage(EventId = 34, Level = LogLevel.Debug, Message = "Stripe event {EventId} ({Type}) ignored: not a type this service acts on")]
    private static partial void LogIgnoredType(ILogger logger, string eventId, string type);

    [LoggerMessage(EventId = 37, Level = LogLevel.Debug, Message = "Stripe event {EventId} ({Type}) ignored: no seat or account refers to {ObjectId}")]
    private static partial void LogUnknownObject(ILogger logger, string eventId, string type, string? objectId);

    [LoggerMessage(EventId = 35, Level = LogLevel.Debug, Message = "Stripe event {EventId} was applied before")]
    private static partial void LogDuplicate(ILogger logger, string eventId);

    [LoggerMessage(EventId = 36, Level = LogLevel.Information, Message = "Stripe event {EventId}: dropped the known card of customer {CustomerId}")]
    private static partial void LogCardForgotten(ILogger logger, string eventId, string customerId);
}
