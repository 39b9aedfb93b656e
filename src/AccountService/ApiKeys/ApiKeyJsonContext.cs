using System.Text.Json;
using System.Text.Json.Serialization;

namespace AccountService.ApiKeys;

/// <summary>Source-generated serialization for the key endpoints' wire types: no reflection on the request path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(CreateApiKeyResponse))]
[JsonSerializable(typeof(ApiKeyListResponse))]
internal sealed partial class ApiKeyJsonContext : JsonSerializerContext;
