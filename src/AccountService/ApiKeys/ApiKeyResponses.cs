using System.Text.Json;

namespace AccountService.ApiKeys;

/// <summary>A key just made (<c>201</c> of <c>POST /api/api-keys</c>); <c>key</c> is shown in this answer only.</summary>
/// <param name="Id">The key id: the 8 characters after <c>ok_</c>.</param>
/// <param name="Name">What the key is for.</param>
/// <param name="Key">The whole key, <c>ok_&lt;id&gt;_&lt;secret&gt;</c>, for the <c>Authorization: Bearer</c> header.</param>
/// <param name="CreatedAt">When the key was made.</param>
/// <param name="LastUsedAt">When the key was last used (at most a minute behind); null until it is.</param>
public sealed record CreateApiKeyResponse(string Id, string Name, string Key, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    internal static CreateApiKeyResponse From(NewApiKey key) => new(key.KeyId, key.Name, key.Key, key.CreatedAt, null);

    /// <summary><c>201 Created</c> with the key, as its exact bytes, so that an <c>Idempotency-Key</c> can replay it.</summary>
    internal static ReplayableJson Answer(NewApiKey key) => new(
        StatusCodes.Status201Created,
        $"{ApiKeyEndpoints.Path}/{key.KeyId}",
        JsonSerializer.SerializeToUtf8Bytes(From(key), ApiKeyJsonContext.Default.CreateApiKeyResponse),
        replayed: false);
}

/// <summary>The caller's active keys (<c>GET /api/api-keys</c>), newest first.</summary>
public sealed record ApiKeyListResponse(IReadOnlyList<ApiKeyResponse> ApiKeys);

/// <summary>An active key, without its secret.</summary>
/// <param name="Id">The key id: the 8 characters after <c>ok_</c>.</param>
/// <param name="Name">What the key is for.</param>
/// <param name="CreatedAt">When the key was made.</param>
/// <param name="LastUsedAt">When the key was last used (at most a minute behind); null until it is.</param>
public sealed record ApiKeyResponse(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    internal static ApiKeyResponse From(ApiKeySummary key) => new(key.KeyId, key.Name, key.CreatedAt, key.LastUsedAt);
}
