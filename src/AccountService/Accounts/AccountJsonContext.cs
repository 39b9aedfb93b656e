using System.Text.Json;
using System.Text.Json.Serialization;
using AccountService.ApiKeys;
using AccountService.Errors;

namespace AccountService.Accounts;

/// <summary>Source-generated serialization for every wire type: no reflection on the request path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RunloopAccountResponse))]
[JsonSerializable(typeof(OrbitKitAccountResponse))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(CreateApiKeyResponse))]
[JsonSerializable(typeof(ApiKeyListResponse))]
[JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class AccountJsonContext : JsonSerializerContext;
