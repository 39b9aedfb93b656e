using System.Text.Json;
using AccountService.Errors;
using AccountService.Health;
using AccountService.Server;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.AspNetCore.Builder;

internal static class HealthEndpoints
{
    /// <summary>
    /// <c>/health/live</c>: the process answers (no checks). <c>/health/ready</c>: the database answers too;
    /// 503 with the error envelope when it does not, 200 with <c>"status":"Degraded"</c> while only Redis is missing.
    /// Both are unauthenticated and never cached.
    /// </summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Probes read: GET and HEAD only, anything else is 405 like every other route.
        var readOnly = new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]);
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = WriteAsync,
        }).WithMetadata(readOnly).AsProbe();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Ready),
            ResponseWriter = WriteAsync,
        }).WithMetadata(readOnly).AsProbe();
        return endpoints;
    }

    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        if (report.Status == HealthStatus.Unhealthy)
        {
            var failing = string.Join(", ", report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key));
            await context.RequestServices.GetRequiredService<ApiErrors>().WriteAsync(
                context,
                ErrorCodes.ServiceUnavailable,
                $"Not ready: {failing} unavailable.");
            return;
        }

        // Healthy or degraded (a dependency the service can do without, such as Redis): 200, naming each check.
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        if (report.Entries.Count > 0)
        {
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteString(name, entry.Status.ToString());
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }
}
