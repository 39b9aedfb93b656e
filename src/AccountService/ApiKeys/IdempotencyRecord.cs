namespace AccountService.ApiKeys;

/// <summary>
/// An <c>Idempotency-Key</c> an account used, the request it was first used with (a SHA-256 of its canonical form)
/// and the answer that request got. The answer's body holds a secret, so it is stored encrypted with ASP.NET Core
/// Data Protection. A row is kept only for a request that succeeded, and for <see cref="IdempotencyStore.Lifetime"/>.
/// </summary>
internal sealed class IdempotencyRecord
{
    public required string AccountId { get; init; }

    public required string IdempotencyKey { get; init; }

    public required byte[] RequestHash { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The answer's status; null only inside the transaction that is making it.</summary>
    public int? StatusCode { get; set; }

    public string? Location { get; set; }

    /// <summary>The answer's body, protected; null only inside the transaction that is making it.</summary>
    public byte[]? ProtectedBody { get; set; }
}
