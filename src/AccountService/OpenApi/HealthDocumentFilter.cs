using System.Text.Json.Nodes;
using AccountService.Errors;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace AccountService.OpenApi;

/// <summary>The health probes are middleware endpoints the API explorer does not see; they are described here.</summary>
internal sealed class HealthDocumentFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        static JsonNode[] Statuses() => [JsonValue.Create("Healthy"), JsonValue.Create("Degraded")];
        var status = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new SortedSet<string>(["status"], StringComparer.Ordinal),
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["status"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = Statuses(),
                    Description = "Degraded while a dependency the service can do without (Redis) cannot be reached.",
                },
                ["checks"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "Readiness only. Each check by name (`database`, and `redis` when one is configured) and its status.",
                    AdditionalProperties = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Enum = Statuses(),
                    },
                },
            },
        };
        swaggerDoc.Components ??= new OpenApiComponents();
        swaggerDoc.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        swaggerDoc.Components.Schemas["HealthStatus"] = status;
        var healthy = Json(new OpenApiSchemaReference("HealthStatus", swaggerDoc), "Healthy.");
        var envelope = Json(context.SchemaGenerator.GenerateSchema(typeof(ErrorEnvelope), context.SchemaRepository), "A dependency (the database) is unavailable.");

        swaggerDoc.Paths.Add("/health/live", Probe("getLiveness", "The process is up.", new OpenApiResponses { ["200"] = healthy }));
        swaggerDoc.Paths.Add("/health/ready", Probe(
            "getReadiness",
            "The process and its database answer.",
            new OpenApiResponses { ["200"] = healthy, ["503"] = envelope }));
    }

    private static OpenApiPathItem Probe(string id, string summary, OpenApiResponses responses) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Get] = new()
            {
                OperationId = id,
                Summary = summary,
                Tags = new HashSet<OpenApiTagReference> { new("Health") },
                Security = [],
                Responses = responses,
            },
        },
    };

    private static OpenApiResponse Json(IOpenApiSchema schema, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType> { ["application/json"] = new OpenApiMediaType { Schema = schema } },
    };
}
