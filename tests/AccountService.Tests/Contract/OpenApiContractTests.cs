using System.Net;
using System.Text.Json.Nodes;
using AccountService.Tests.Infrastructure;
using YamlDotNet.Serialization;

namespace AccountService.Tests.Contract;

/// <summary>
/// The document Swashbuckle generates from the code and the published openapi.yaml must describe the same API:
/// paths, methods, status codes, security, and for every JSON body each property's name, type, nullability, enum
/// and required-ness. Any difference, in either direction, fails with the lines that differ.
/// </summary>
public sealed class OpenApiContractTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task TheServedDocumentAndOpenApiYamlDescribeTheSameApi()
    {
        var settings = new Dictionary<string, string?> { ["OpenApi:Enabled"] = "true" };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        var served = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        var published = ReadYaml(Path.Combine(RepositoryRoot.Path, "openapi.yaml"));

        var fromCode = Facets(served);
        var fromYaml = Facets(published);

        var onlyInCode = fromCode.Except(fromYaml).ToList();
        var onlyInYaml = fromYaml.Except(fromCode).ToList();
        Assert.True(
            onlyInCode.Count == 0 && onlyInYaml.Count == 0,
            $"only in the served document:\n  {string.Join("\n  ", onlyInCode)}\nonly in openapi.yaml:\n  {string.Join("\n  ", onlyInYaml)}");
        Assert.Contains("GET /v1/accounts/me 200 application/json $.billing.stripe.customer_id: string nullable", fromCode);
        Assert.Contains("GET /v1/accounts/me 200 application/json $.billing.aws: object nullable", fromYaml);
    }

    [Fact]
    public async Task TheDocumentIsNotServedOutsideDevelopmentUnlessEnabled()
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/swagger/v1/swagger.json");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static SortedSet<string> Facets(JsonNode document)
    {
        var facets = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, scheme) in document["components"]?["securitySchemes"]?.AsObject() ?? [])
        {
            facets.Add($"security scheme {name}: {scheme!["type"]} {scheme["scheme"]} {scheme["bearerFormat"]}".TrimEnd());
        }

        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            // An operation without its own security inherits the document's.
            foreach (var (method, operation) in item!.AsObject())
            {
                var op = $"{method.ToUpperInvariant()} {path}";
                facets.Add(op);
                var security = (operation!["security"] ?? document["security"])?.AsArray().SelectMany(r => r!.AsObject().Select(p => p.Key)).Order(StringComparer.Ordinal);
                facets.Add($"{op} security: {string.Join(" | ", security ?? Enumerable.Empty<string>())}");
                foreach (var (status, declared) in operation["responses"]!.AsObject())
                {
                    facets.Add($"{op} {status}");
                    var response = Resolve(document, declared!);
                    foreach (var (mediaType, media) in response["content"]?.AsObject() ?? [])
                    {
                        Flatten(document, media!["schema"]!, $"{op} {status} {mediaType} $", facets);
                    }
                }
            }
        }

        return facets;
    }

    // One line per schema position: type and nullability, enum values, required properties; nested by property name.
    // Null is admitted as the served OpenAPI 3.0 document says it (nullable: true, on allOf: [$ref] for an object) or
    // as openapi.yaml, in OpenAPI 3.1, does (type: [string, "null"]; oneOf: [$ref, {type: "null"}]).
    private static void Flatten(JsonNode document, JsonNode schema, string at, SortedSet<string> facets)
    {
        var nullable = AdmitsNull(schema);
        schema = Resolve(document, schema);
        if (Wrapped(schema) is { } inner)
        {
            nullable |= AdmitsNull(schema);
            schema = Resolve(document, inner);
        }

        nullable |= AdmitsNull(schema);
        facets.Add($"{at}: {TypeOf(schema)}{(nullable ? " nullable" : "")}");
        if (schema["enum"] is JsonArray values)
        {
            facets.Add($"{at} enum: {string.Join(", ", values.Select(v => v!.ToString()).Order(StringComparer.Ordinal))}");
        }

        if (schema["required"] is JsonArray required)
        {
            facets.Add($"{at} required: {string.Join(", ", required.Select(v => v!.ToString()).Order(StringComparer.Ordinal))}");
        }

        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            Flatten(document, property!, $"{at}.{name}", facets);
        }

        if (schema["items"] is { } items)
        {
            Flatten(document, items, $"{at}[]", facets);
        }
    }

    // The one schema inside allOf: [x], or inside oneOf/anyOf: [x, {type: "null"}].
    private static JsonNode? Wrapped(JsonNode schema)
    {
        if (schema["allOf"] is JsonArray { Count: 1 } all)
        {
            return all[0];
        }

        var branches = (schema["oneOf"] ?? schema["anyOf"]) as JsonArray;
        var others = branches?.Where(b => b?["type"]?.ToString() != "null").ToList();
        return others is { Count: 1 } && branches!.Count == 2 ? others[0] : null;
    }

    private static bool AdmitsNull(JsonNode schema) =>
        IsTrue(schema["nullable"])
        || (schema["type"] is JsonArray types && types.Any(t => t?.ToString() == "null"))
        || ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray branches && branches.Any(b => b?["type"]?.ToString() == "null"));

    private static string? TypeOf(JsonNode schema) => schema["type"] is JsonArray types
        ? string.Join(" ", types.Select(t => t?.ToString()).Where(t => t != "null"))
        : schema["type"]?.ToString();

    private static JsonNode Resolve(JsonNode document, JsonNode node)
    {
        while (node["$ref"]?.ToString() is { } reference)
        {
            node = reference.TrimStart('#', '/').Split('/').Aggregate(document, (current, part) => current[part]!);
        }

        return node;
    }

    private static bool IsTrue(JsonNode? node) => string.Equals(node?.ToString(), "true", StringComparison.OrdinalIgnoreCase);

    private static JsonNode ReadYaml(string path)
    {
        var yaml = new DeserializerBuilder().Build().Deserialize<object>(File.ReadAllText(path));
        return ToJson(yaml)!;

        static JsonNode? ToJson(object? value) => value switch
        {
            Dictionary<object, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key.ToString()!, ToJson(p.Value)))),
            List<object?> list => new JsonArray([.. list.Select(ToJson)]),
            null => null,
            _ => JsonValue.Create(value.ToString()),
        };
    }
}
