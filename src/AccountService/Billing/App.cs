namespace AccountService.Billing;

/// <summary>An OrbitKit app deployed by an account; each app holds one seat of the account's subscription.</summary>
internal sealed class App
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public AppSubscription? Subscription { get; set; }
}
