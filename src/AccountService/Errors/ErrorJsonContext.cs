using System.Text.Json;
using System.Text.Json.Serialization;

namespace AccountService.Errors;

/// <summary>
/// Source-generated serialization of the error envelope, which <see cref="ApiErrors"/> writes with this context's own
/// type information: its generated writer serves every failure.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext;
