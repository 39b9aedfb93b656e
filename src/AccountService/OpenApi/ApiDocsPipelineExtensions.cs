using AccountService.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Microsoft.AspNetCore.Builder;

internal static class ApiDocsPipelineExtensions
{
    public static WebApplication UseApiDocs(this WebApplication app)
    {
        var enabled = app.Services.GetRequiredService<IOptions<ApiDocsOptions>>().Value.Enabled
            ?? app.Environment.IsDevelopment();
        if (enabled)
        {
            app.UseSwagger(options => options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_0);
            app.UseSwaggerUI(options =>
            {
                options.SwaggerEndpoint($"/swagger/{ApiDocsExtensions.DocumentName}/swagger.json", "AccountService");
                options.DocumentTitle = "AccountService";
            });
        }

        return app;
    }
}
