using AccountService.Auth;
using AccountService.OpenApi;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Microsoft.Extensions.DependencyInjection;

internal static class ApiDocsExtensions
{
    internal const string DocumentName = "v1";
    private const string ApiKeyScheme = "apiKey";
    private const string JwtScheme = "jwt";

    /// <summary>
    /// The served OpenAPI document, generated from the endpoints by Swashbuckle, and Swagger UI with an Authorize
    /// button for the bearer credential. openapi.yaml is the published contract; a test keeps the two equal.
    /// </summary>
    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiDocsOptions>().BindConfiguration(ApiDocsOptions.Section);
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "AccountService",
                Version = "1.0.0",
                Description = "Account API for Runloop and OrbitKit callers.",
            });
            // Two ways to fill the same Authorization: Bearer header; Swagger UI offers both, either one is enough.
            options.AddSecurityDefinition(ApiKeyScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key, `ok_<8-char key id>_<24-char secret>`.",
            });
            options.AddSecurityDefinition(JwtScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT from the configured issuer; the account id is in the `sub` claim unless configured otherwise.",
            });
            options.OperationFilter<BearerOperationFilter>();
            options.SchemaFilter<WireSchemaFilter>();
            options.DocumentFilter<HealthDocumentFilter>();
            options.SupportNonNullableReferenceTypes();
            options.UseAllOfToExtendReferenceSchemas();
        });
        return builder;
    }

    /// <summary>
    /// Operations that require authorization accept either credential, except those that need a user session
    /// (<see cref="AuthPolicies.UserSession"/>), which take a JWT only.
    /// </summary>
    private sealed class BearerOperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var authorize = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().ToList();
            if (authorize.Count == 0)
            {
                return;
            }

            var jwt = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(JwtScheme, context.Document)] = [] };
            operation.Security = authorize.Any(a => a.Policy == AuthPolicies.UserSession)
                ? [jwt]
                : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] }, jwt];
        }
    }
}
