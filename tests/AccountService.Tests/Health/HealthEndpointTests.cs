using System.Net;
using System.Text.Json;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Health;

public sealed class HealthEndpointTests(PostgresFixture database) : IntegrationTest(database)
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthEndpointsAnswerWithoutCredentials(string path)
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"Healthy"}""", await response.Content.ReadAsStringAsync());
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadyIs503WithTheEnvelopeWhileTheDatabaseIsStoppedAndRecoversWhenItReturns()
    {
        // A server the tests started is stopped for real; an external one is stood in for by a closed port.
        var stoppable = Database.Server.CanStop;
        var connectionString = stoppable
            ? Database.ConnectionString
            : $"Host=127.0.0.1;Port={PostgresServer.FreeLoopbackPort()};Username=postgres;Timeout=3";
        await using var factory = new AccountApiFactory(connectionString);
        using var client = factory.CreateClient();

        if (stoppable)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
            await Database.StopServerAsync();
        }

        HttpResponseMessage down;
        HttpStatusCode live;
        try
        {
            down = await client.GetAsync("/health/ready");
            live = (await client.GetAsync("/health/live")).StatusCode;
        }
        finally
        {
            if (stoppable)
            {
                await Database.StartServerAsync();
            }
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live);
        using var json = JsonDocument.Parse(await down.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("SERVICE_UNAVAILABLE", error.GetProperty("code").GetString());
        Assert.Equal("Not ready: database unavailable.", error.GetProperty("message").GetString());
        Assert.Equal("https://orbitkit.io/api/errors/#service-unavailable", error.GetProperty("docUrl").GetString());
        Assert.Equal(0, error.GetProperty("details").GetArrayLength());
        if (stoppable)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        }
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task ProbesAnswerOnlyGetAndHead(string path)
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        using var post = await client.PostAsync(path, content: null);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using var json = JsonDocument.Parse(await post.Content.ReadAsStringAsync());
        Assert.Equal("METHOD_NOT_ALLOWED", json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnUnknownRouteGetsTheNotFoundEnvelope()
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/no/such/route");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("NOT_FOUND", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("https://orbitkit.io/api/errors/#not-found", json.RootElement.GetProperty("error").GetProperty("docUrl").GetString());
    }

    [Fact]
    public async Task TheServiceDoesNotStartWithoutAConnectionString()
    {
        await using var factory = new AccountApiFactory("");

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("ConnectionStrings:Accounts is required", ex.ToString(), StringComparison.Ordinal);
    }
}
