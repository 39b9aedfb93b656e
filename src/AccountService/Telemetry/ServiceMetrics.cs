using System.Diagnostics.Metrics;

namespace AccountService.Telemetry;

/// <summary>
/// The service's own instruments, on one <see cref="Meter"/> (<see cref="MeterName"/>). The component that owns an
/// event calls one method here; the gauges read the components' state when a scrape or an export asks. Prometheus
/// names: dots become underscores and counters gain <c>_total</c> (<c>accountservice.caller_lookups</c> is
/// <c>accountservice_caller_lookups_total</c>).
/// </summary>
internal sealed class ServiceMetrics
{
    public const string MeterName = "AccountService";

    // Counted on every request: plain counts, read when metrics are collected, so a request pays one increment. The
    // tag sets are in the order CallerLookup, RateLimitDecision and CardLookup index them: by CallerLookupResult; by
    // RateLimitBudget, then allowed before rejected; by CardSource.
    private readonly TaggedCounts _callerLookups = new(
        [Tags(("result", "hit")), Tags(("result", "miss")), Tags(("result", "stale"))]);

    private readonly TaggedCounts _rateLimitDecisions = new(
    [
        Tags(("budget", "account"), ("decision", "allowed")),
        Tags(("budget", "account"), ("decision", "rejected")),
        Tags(("budget", "ip"), ("decision", "allowed")),
        Tags(("budget", "ip"), ("decision", "rejected")),
    ]);

    private readonly TaggedCounts _cardLookups = new(
        [Tags(("source", "memory")), Tags(("source", "stripe")), Tags(("source", "last_known"))]);

    private readonly Counter<long> _changeNotifications;
    private readonly Counter<long> _stripeRequests;
    private readonly Counter<long> _webhookEvents;
    private readonly Counter<long> _idempotentReplays;

    public ServiceMetrics(IMeterFactory meters, IServiceProvider services)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("accountservice.caller_lookups", _callerLookups.Observe, description: "Callers resolved: hit (current in memory), miss (read from the database), stale (from memory while the database is unavailable).");
        _changeNotifications = meter.CreateCounter<long>("accountservice.change_notifications", description: "Change notifications applied to this replica's memory.");
        meter.CreateObservableCounter("accountservice.rate_limit_decisions", _rateLimitDecisions.Observe, description: "Rate-limit decisions by budget (account, ip) and decision (allowed, rejected).");
        _stripeRequests = meter.CreateCounter<long>("accountservice.stripe_requests", description: "Card lookups sent to Stripe, by outcome.");
        meter.CreateObservableCounter("accountservice.card_lookups", _cardLookups.Observe, description: "Card lookups answered, by source (memory, stripe, last_known).");
        _webhookEvents = meter.CreateCounter<long>("accountservice.stripe_webhook_events", description: "Stripe webhook deliveries, by event type and outcome.");
        _idempotentReplays = meter.CreateCounter<long>("accountservice.idempotent_replays", description: "Requests answered with a stored answer for their Idempotency-Key.");

        // Gauges read the components that own the state, which registered them; a host without one has none.
        foreach (var gauge in services.GetServices<ServiceGauge>())
        {
            meter.CreateObservableGauge(gauge.Name, () => gauge.Observe(services), description: gauge.Description);
        }
    }

    public void CallerLookup(CallerLookupResult result) => _callerLookups.Add((int)result);

    public void ChangeNotificationApplied() => _changeNotifications.Add(1);

    public void RateLimitDecision(RateLimitBudget budget, bool allowed) =>
        _rateLimitDecisions.Add(((int)budget * 2) + (allowed ? 0 : 1));

    public void StripeRequest(string outcome) => _stripeRequests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void CardLookup(CardSource source) => _cardLookups.Add((int)source);

    public void WebhookEvent(string type, string outcome) => _webhookEvents.Add(1, new("type", type), new("outcome", outcome));

    public void IdempotentReplay() => _idempotentReplays.Add(1);

    private static KeyValuePair<string, object?>[] Tags(params (string Name, string Value)[] tags) =>
        [.. tags.Select(tag => new KeyValuePair<string, object?>(tag.Name, tag.Value))];

    /// <summary>One count per tag set, added to without locks and observed as a counter's measurements.</summary>
    private sealed class TaggedCounts(KeyValuePair<string, object?>[][] tagSets)
    {
        private readonly long[] _counts = new long[tagSets.Length];

        public void Add(int index) => Interlocked.Increment(ref _counts[index]);

        public IEnumerable<Measurement<long>> Observe()
        {
            for (var i = 0; i < tagSets.Length; i++)
            {
                yield return new Measurement<long>(Interlocked.Read(ref _counts[i]), tagSets[i]);
            }
        }
    }
}

/// <summary>How a caller was found.</summary>
internal enum CallerLookupResult
{
    Hit,
    Miss,
    Stale,
}

/// <summary>Where a card lookup's answer came from.</summary>
internal enum CardSource
{
    Memory,
    Stripe,
    LastKnown,
}

/// <summary>Whose budget a rate-limit decision spent from.</summary>
internal enum RateLimitBudget
{
    Account,
    Ip,
}
