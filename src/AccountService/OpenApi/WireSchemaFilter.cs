using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AccountService.Errors;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace AccountService.OpenApi;

/// <summary>
/// Wire records always send every property (null included), so every property is required; string properties
/// constrained with <see cref="AllowedValuesAttribute"/> are documented as enums, and the envelope's code lists the
/// code table.
/// </summary>
internal sealed class WireSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema concrete || concrete.Properties is null || !context.Type.IsClass || context.Type == typeof(string))
        {
            return;
        }

        concrete.Required = new SortedSet<string>(concrete.Properties.Keys, StringComparer.Ordinal);
        if (context.Type == typeof(ErrorBody) && concrete.Properties["code"] is OpenApiSchema code)
        {
            code.Enum = [.. ErrorCodes.All.Select(c => (JsonNode)JsonValue.Create(c.Code)!)];
        }

        foreach (var parameter in context.Type.GetConstructors().SelectMany(c => c.GetParameters()))
        {
            var allowed = parameter.GetCustomAttribute<AllowedValuesAttribute>();
            if (allowed is null)
            {
                continue;
            }

            var name = context.Type.GetProperty(parameter.Name!)?.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
                ?? System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(parameter.Name!);
            if (concrete.Properties.TryGetValue(name, out var property) && property is OpenApiSchema target)
            {
                target.Enum = [.. allowed.Values.Select(v => (JsonNode)JsonValue.Create((string)v!)!)];
            }
        }
    }
}
