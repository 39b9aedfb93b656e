using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AccountService.Tests.ApiKeys;

/// <summary>Requests to <c>/api/api-keys</c> as a client sends them, and their answers read as raw bytes and JSON.</summary>
internal static class ApiKeysApi
{
    public const string Path = "/api/api-keys";

    /// <summary>POST with <paramref name="body"/> as it is.</summary>
    public static async Task<Answer> PostAsync(
        HttpClient client, string credential, string body, string? idempotencyKey = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = new StringContent(body, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return await SendAsync(client, request, credential);
    }

    /// <summary>POST <c>{"name": …}</c>.</summary>
    public static Task<Answer> CreateAsync(HttpClient client, string credential, string name, string? idempotencyKey = null) =>
        PostAsync(client, credential, JsonSerializer.Serialize(new { name }), idempotencyKey);

    public static async Task<Answer> ListAsync(HttpClient client, string credential)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Path);
        return await SendAsync(client, request, credential);
    }

    public static async Task<Answer> RevokeAsync(HttpClient client, string credential, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{Path}/{id}");
        return await SendAsync(client, request, credential);
    }

    /// <summary>GET /v1/accounts/me with <paramref name="credential"/>: whether the credential works.</summary>
    public static async Task<HttpStatusCode> UseAsync(HttpClient client, string credential)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/accounts/me");
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {credential}");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<Answer> SendAsync(HttpClient client, HttpRequestMessage request, string credential)
    {
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {credential}");
        using var response = await client.SendAsync(request);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        return new Answer(response.StatusCode, headers, await response.Content.ReadAsByteArrayAsync());
    }
}

/// <summary>One answer: status, headers (one value each) and the body's exact bytes.</summary>
internal sealed record Answer(HttpStatusCode Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public JsonElement Json => JsonSerializer.Deserialize<JsonElement>(Body);

    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The envelope's code, or null for a body that is not an envelope.</summary>
    public string? ErrorCode => Body.Length > 0 && Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("error", out var error)
        ? error.GetProperty("code").GetString()
        : null;

    /// <summary>A created key's fields.</summary>
    public (string Id, string Key) Created => (Json.GetProperty("id").GetString()!, Json.GetProperty("key").GetString()!);
}
