using System.Text.Json;
using System.Text.Json.Serialization;

namespace AccountService.Accounts;

/// <summary>Source-generated serialization for the account endpoints' wire types: no reflection on the request path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RunloopAccountResponse))]
[JsonSerializable(typeof(OrbitKitAccountResponse))]
internal sealed partial class AccountJsonContext : JsonSerializerContext;
