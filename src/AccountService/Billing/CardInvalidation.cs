using AccountService.Callers;

namespace AccountService.Billing;

/// <summary>
/// Keeps every replica's card cache in step with the database: a last known card deleted anywhere (a webhook, another
/// replica, an operator) is notified as <c>c:&lt;customer id&gt;</c>, and this replica drops its cached card; a
/// listener that may have missed notifications drops them all.
/// </summary>
internal sealed partial class CardInvalidation(CallerCache notifications, StripeBillingLookup cards, ILogger<CardInvalidation> logger)
    : IHostedService
{
    private const string Prefix = "c:";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        notifications.Invalidated += OnInvalidated;
        notifications.InvalidatedAll += OnInvalidatedAll;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        notifications.Invalidated -= OnInvalidated;
        notifications.InvalidatedAll -= OnInvalidatedAll;
        return Task.CompletedTask;
    }

    private void OnInvalidated(string name)
    {
        if (name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            Forget(cards.ForgetCachedCardAsync(name[Prefix.Length..], CancellationToken.None));
        }
    }

    private void OnInvalidatedAll() => Forget(cards.ForgetCachedCardsAsync(CancellationToken.None));

    // The notification loop does not wait on the cache; a failure is logged, and the entry expires with its TTL.
    private async void Forget(ValueTask removal)
    {
        try
        {
            await removal;
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex.GetBaseException().Message);
        }
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "Could not drop a cached card after a change notification: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
