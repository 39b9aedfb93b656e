using System.Text.Json;
using System.Text.Json.Serialization;

namespace AccountService.Errors;

/// <summary>Source-generated serialization of the error envelope: no reflection when a failure is written.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext;
