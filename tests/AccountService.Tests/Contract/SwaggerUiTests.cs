using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Contract;

/// <summary>
/// Swagger UI served by the real service, driven in Debian's Chromium (tests/browser): authorize with a fresh API key,
/// "Try it out" on both account operations, and keep a screenshot in artifacts/screenshots/.
/// </summary>
public sealed class SwaggerUiTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task SwaggerUiAuthorizesWithAnApiKeyAndTriesBothOperations()
    {
        await SeedAccountAsync("acc_swagger", a => a.Name = "Swagger Co");
        Assert.Equal(0, (await RunCliAsync("apps", "create", "--account", "acc_swagger", "--name", "My Weather App")).ExitCode);
        var key = KeyOf(await RunCliAsync("keys", "create", "--account", "acc_swagger", "--name", "swagger-ui"));
        var settings = new Dictionary<string, string?> { ["OpenApi:Enabled"] = "true" };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.StartKestrel();
        var screenshot = Path.Combine(RepositoryRoot.Path, "artifacts", "screenshots", "swagger-ui.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);

        var (exitCode, output) = await NodeScript.RunAsync(
            "browser",
            ["swagger-ui.mjs"],
            new Dictionary<string, string>
            {
                ["BASE_URL"] = client.BaseAddress!.ToString().TrimEnd('/'),
                ["API_KEY"] = key,
                ["ACCOUNT_ID"] = "acc_swagger",
                ["APP_NAME"] = "My Weather App",
                ["SCREENSHOT"] = screenshot,
            },
            requiredPackage: "playwright-core");

        Assert.True(exitCode == 0, output);
        Assert.Contains("\"operation\":\"Runloop-GetMyAccount\",\"status\":\"200\"", output, StringComparison.Ordinal);
        Assert.Contains("\"operation\":\"OrbitKit-GetAccount\",\"status\":\"200\"", output, StringComparison.Ordinal);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    private static string KeyOf(CliResult result)
    {
        Assert.Equal(0, result.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(result.Output);
        return json.RootElement.GetProperty("key").GetString()!;
    }
}
