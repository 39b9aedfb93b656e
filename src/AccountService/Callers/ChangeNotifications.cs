using AccountService.Billing;
using AccountService.Telemetry;

namespace AccountService.Callers;

/// <summary>
/// The database's change notifications, in one place: the channel the triggers notify on (see the NotifyCallerChanges
/// and NotifyCardChanges migrations), the payloads they send, and what each one drops in this replica's memory.
/// <see cref="ChangeListener"/> hears them and hands each payload here.
/// </summary>
internal sealed partial class ChangeNotifications
{
    public const string Channel = "account_changes";

    /// <summary><c>k:&lt;key id&gt;</c>: an API key was created, changed or deleted.</summary>
    public const string KeyPrefix = "k:";

    /// <summary><c>a:&lt;account id&gt;</c>: an account's row.</summary>
    public const string AccountPrefix = "a:";

    /// <summary><c>s:&lt;account id&gt;</c>: an account's apps or seats.</summary>
    public const string SeatsPrefix = "s:";

    /// <summary><c>c:&lt;Stripe customer id&gt;</c>: a customer's last known card was forgotten.</summary>
    public const string CardPrefix = "c:";

    /// <summary>A table was truncated: everything may have changed.</summary>
    public const string Everything = "*";

    private readonly CallerCache _callers;
    private readonly StripeBillingLookup _cards;
    private readonly ServiceMetrics _metrics;
    private readonly ILogger<ChangeNotifications> _logger;
    private readonly (string Prefix, Action<string> Drop)[] _handlers;

    public ChangeNotifications(CallerCache callers, StripeBillingLookup cards, ServiceMetrics metrics, ILogger<ChangeNotifications> logger)
    {
        _callers = callers;
        _cards = cards;
        _metrics = metrics;
        _logger = logger;
        _handlers =
        [
            (KeyPrefix, callers.KeyChanged),
            (AccountPrefix, callers.AccountChanged),
            (SeatsPrefix, callers.SeatsChanged),
            (CardPrefix, customer => Forget(cards.ForgetCachedCardAsync(customer, CancellationToken.None))),
        ];
    }

    /// <summary>Raised after a payload was applied (tests use it to tell when a notification they sent arrived).</summary>
    internal event Action<string>? Applied;

    /// <summary>The prefixes this replica acts on; every other payload is ignored.</summary>
    public IEnumerable<string> Prefixes => _handlers.Select(h => h.Prefix);

    public static string KeyName(string keyId) => KeyPrefix + keyId;

    public static string AccountName(string accountId) => AccountPrefix + accountId;

    public static string SeatsName(string accountId) => SeatsPrefix + accountId;

    /// <summary>Drops what <paramref name="payload"/> names, in every cache that holds it.</summary>
    public void Apply(string payload)
    {
        _metrics.ChangeNotificationApplied();
        if (payload == Everything)
        {
            DropEverything();
        }
        else
        {
            foreach (var (prefix, drop) in _handlers)
            {
                if (payload.StartsWith(prefix, StringComparison.Ordinal))
                {
                    drop(payload[prefix.Length..]);
                    break;
                }
            }
        }

        Applied?.Invoke(payload);
    }

    /// <summary>The listener hears changes again: drop what may have changed while it was away, then trust memory.</summary>
    public void Connected()
    {
        Forget(_cards.ForgetCachedCardsAsync(CancellationToken.None));
        _callers.ListenerConnected();
    }

    /// <summary>The listener is gone: callers are read from the database until it is back.</summary>
    public void Lost() => _callers.ListenerLost();

    private void DropEverything()
    {
        _callers.InvalidateAll();
        Forget(_cards.ForgetCachedCardsAsync(CancellationToken.None));
    }

    // The notification loop does not wait on the card cache; a failure is logged, and the entry expires with its TTL.
    private async void Forget(ValueTask removal)
    {
        try
        {
            await removal;
        }
        catch (Exception ex)
        {
            LogForgetFailed(_logger, ex.GetBaseException().Message);
        }
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "Could not drop a cached card after a change notification: {Reason}")]
    private static partial void LogForgetFailed(ILogger logger, string reason);
}
