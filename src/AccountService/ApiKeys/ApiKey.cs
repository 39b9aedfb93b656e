namespace AccountService.ApiKeys;

/// <summary>
/// An API key row: the key id finds it, the secret is kept only as a hash.
/// Revocation is a timestamp so the key's history stays auditable.
/// </summary>
internal sealed class ApiKey
{
    public required string KeyId { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public required byte[] SecretHash { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
