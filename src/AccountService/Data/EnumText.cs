using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace AccountService.Data;

/// <summary>
/// One enum's stored text names (e.g. <c>DisabledByAdmin</c> → <c>DISABLED_BY_ADMIN</c>): the database column,
/// its check constraint and the operator CLI all read the names from here, so they cannot disagree.
/// </summary>
internal sealed class EnumText<TEnum>
    where TEnum : struct, Enum
{
    private readonly FrozenDictionary<TEnum, string> _names;
    private readonly FrozenDictionary<string, TEnum> _values;

    public EnumText(JsonNamingPolicy naming)
    {
        _names = Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => naming.ConvertName(v.ToString()));
        _values = _names.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        Names = [.. Enum.GetValues<TEnum>().Select(v => _names[v])];
        Converter = new ValueConverter<TEnum, string>(v => ToText(v), s => Parse(s));
        JsonConverter = new StoredNameJsonConverter(this);
    }

    /// <summary>Every stored name, in declaration order.</summary>
    public IReadOnlyList<string> Names { get; }

    public ValueConverter<TEnum, string> Converter { get; }

    /// <summary>The same names in JSON (the operator CLI's <c>--json</c> output).</summary>
    public JsonConverter<TEnum> JsonConverter { get; }

    public string ToText(TEnum value) => _names[value];

    public bool TryParse(string text, out TEnum value) => _values.TryGetValue(text, out value);

    public TEnum Parse(string text) =>
        TryParse(text, out var value)
            ? value
            : throw new FormatException($"'{text}' is not one of {string.Join(", ", Names)}.");

    /// <summary>The SQL of a check constraint allowing exactly these names in <paramref name="column"/>.</summary>
    public string CheckSql(string column) =>
        $"{column} IN ({string.Join(", ", Names.Select(n => $"'{n}'"))})";

    private sealed class StoredNameJsonConverter(EnumText<TEnum> names) : JsonConverter<TEnum>
    {
        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            names.Parse(reader.GetString() ?? throw new JsonException($"{typeof(TEnum).Name} must be a string."));

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WriteStringValue(names.ToText(value));
    }
}
