using System.Text.Json.Serialization;

namespace AccountService.Errors;

/// <summary>Source-generated serialization for the envelope: no reflection on error paths.</summary>
[JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext;
