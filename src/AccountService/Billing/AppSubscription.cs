namespace AccountService.Billing;

/// <summary>An app's seat: plan, status and billing period.</summary>
internal sealed class AppSubscription
{
    public required string AppId { get; init; }

    public PlanType PlanType { get; set; }

    public SubscriptionStatus Status { get; set; }

    public bool CancelAtPeriodEnd { get; set; }

    /// <summary>End of the current billing period; null when the seat has none (status <c>none</c>).</summary>
    public DateTimeOffset? CurrentPeriodEnd { get; set; }

    public string? StripeSubscriptionId { get; set; }

    /// <summary>
    /// Stripe's time of the last state applied to the seat: the <c>created</c> of the last event, or when
    /// <c>stripe sync</c> read the subscription. Older events are ignored.
    /// </summary>
    public DateTimeOffset? StripeStateAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>OrbitKit plan types (<c>monthly</c>, <c>yearly</c> on the wire).</summary>
internal enum PlanType
{
    Monthly,
    Yearly,
}

/// <summary>OrbitKit seat statuses (<c>none</c>, <c>active</c>, <c>past_due</c>, <c>canceled</c> on the wire).</summary>
internal enum SubscriptionStatus
{
    None,
    Active,
    PastDue,
    Canceled,
}
