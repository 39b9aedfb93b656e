namespace AccountService.OpenApi;

/// <summary>Settings under <c>OpenApi</c>.</summary>
internal sealed class ApiDocsOptions
{
    public const string Section = "OpenApi";

    /// <summary>Serve the document at /swagger/v1/swagger.json and Swagger UI at /swagger (default: in Development).</summary>
    public bool? Enabled { get; set; }
}
