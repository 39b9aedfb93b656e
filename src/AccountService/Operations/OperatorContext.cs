using System.Text.Json;
using AccountService.ApiKeys;
using AccountService.Data;

namespace AccountService.Operations;

/// <summary>What one operator command works with: the database (inside the command's transaction) and its output.</summary>
internal sealed class OperatorContext(
    AccountDbContext db,
    ApiKeyHasher hasher,
    ApiKeyService keys,
    TimeProvider time,
    TextWriter output,
    bool json,
    IServiceProvider services)
{
    // camelCase, enums by their stored names (as the CLI takes them).
    private static readonly JsonSerializerOptions JsonOutput = CreateJsonOutput();

    public AccountDbContext Db { get; } = db;

    public ApiKeyHasher Hasher { get; } = hasher;

    /// <summary>The rules of API keys, the same as the API's, working in this command's transaction.</summary>
    public ApiKeyService Keys { get; } = keys;

    public TimeProvider Time { get; } = time;

    /// <summary>The command's scope, for what few commands need (Stripe's client for <c>stripe sync</c>).</summary>
    public IServiceProvider Services { get; } = services;

    /// <summary>Writes <paramref name="value"/> as one JSON line with <c>--json</c>, else the human text.</summary>
    public void Report<T>(T value, string human) => output.WriteLine(json ? Serialize(value) : human);

    /// <summary>Writes one JSON line whatever the output mode (for output that is only useful to machines).</summary>
    public void ReportJson<T>(T value) => output.WriteLine(Serialize(value));

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, JsonOutput);

    private static JsonSerializerOptions CreateJsonOutput()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        foreach (var converter in StoredNames.JsonConverters)
        {
            options.Converters.Add(converter);
        }

        return options;
    }
}
