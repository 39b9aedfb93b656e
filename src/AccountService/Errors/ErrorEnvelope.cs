using System.Text.Json.Serialization;

namespace AccountService.Errors;

/// <summary>The body of every non-2xx response: <c>{"error":{"code","message","docUrl","details"}}</c>.</summary>
public sealed record ErrorEnvelope([property: JsonPropertyName("error")] ErrorBody Error);

/// <summary>What went wrong, for machines (<c>code</c>) and people (<c>message</c>, <c>docUrl</c>).</summary>
public sealed record ErrorBody(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("docUrl")] string DocUrl,
    [property: JsonPropertyName("details")] IReadOnlyList<ErrorDetail> Details);

/// <summary>One problem with one input field.</summary>
public sealed record ErrorDetail(
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("code")] string Code);
