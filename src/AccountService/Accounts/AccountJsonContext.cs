using System.Text.Json;
using System.Text.Json.Serialization;
using AccountService.Errors;

namespace AccountService.Accounts;

/// <summary>Source-generated serialization for the account endpoints' wire types and the error envelope: no reflection on the request path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RunloopAccountResponse))]
[JsonSerializable(typeof(OrbitKitAccountResponse))]
[JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class AccountJsonContext : JsonSerializerContext;
