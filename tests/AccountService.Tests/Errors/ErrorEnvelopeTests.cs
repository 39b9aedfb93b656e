using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;
using Npgsql;

namespace AccountService.Tests.Errors;

public sealed class ErrorEnvelopeTests(PostgresFixture database, SharedApi api)
    : IntegrationTest(database), IClassFixture<SharedApi>
{
    private HttpClient Client => api.Get(Database.ConnectionString).Client;

    [Fact]
    public async Task AnUnknownRouteIs404WithTheEnvelope()
    {
        using var response = await Client.GetAsync("/v2/nothing/here");

        var error = await ErrorOfAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("NOT_FOUND", error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task AWrongMethodIs405WithAllowAndTheEnvelope()
    {
        await SeedAccountAsync("acc_1");
        using var request = AuthenticationTests.Request($"Bearer {await SeedKeyAsync("acc_1")}");
        request.Method = HttpMethod.Delete;

        using var response = await Client.SendAsync(request);

        var error = await ErrorOfAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Equal("METHOD_NOT_ALLOWED", error["code"]!.GetValue<string>());
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("/v1/accounts/me", 256, HttpStatusCode.OK)]
    [InlineData("/api/account", 1000, HttpStatusCode.OK)]
    [InlineData("/api/api-keys", 255, HttpStatusCode.Created)]
    [InlineData("/api/api-keys", 256, HttpStatusCode.BadRequest)]
    public async Task AnIdempotencyKeyIsCheckedOnlyWhereItIsUsed(string path, int length, HttpStatusCode expected)
    {
        await SeedAccountAsync("acc_1");
        using var request = AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}", path);
        if (path == "/api/api-keys")
        {
            request.Method = HttpMethod.Post;
            request.Content = JsonContent.Create(new { name = "ci" });
        }

        request.Headers.Add("Idempotency-Key", new string('k', length));

        using var response = await Client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.BadRequest)
        {
            var error = await ErrorOfAsync(response, HttpStatusCode.BadRequest);
            Assert.Equal("INVALID_IDEMPOTENCY_KEY", error["code"]!.GetValue<string>());
            Assert.Equal("https://orbitkit.io/api/errors/#invalid-idempotency-key", error["docUrl"]!.GetValue<string>());
            var detail = Assert.Single(error["details"]!.AsArray())!;
            Assert.Equal(
                ("Idempotency-Key", "must be sent once, as 1–255 characters other than a comma", "INVALID_IDEMPOTENCY_KEY"),
                (detail["field"]!.GetValue<string>(), detail["message"]!.GetValue<string>(), detail["code"]!.GetValue<string>()));
        }
    }

    [Theory]
    [InlineData(129)]
    [InlineData(-1)]
    public async Task AnInvalidRequestIdIsAValidationFailureWithDetails(int length)
    {
        await SeedAccountAsync("acc_1");
        using var request = AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}", "/api/account");
        request.Headers.TryAddWithoutValidation("X-Request-Id", length > 0 ? new string('r', length) : "abc\u00e9def");

        using var response = await Client.SendAsync(request);

        var error = await ErrorOfAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("VALIDATION_FAILED", error["code"]!.GetValue<string>());
        var detail = Assert.Single(error["details"]!.AsArray())!;
        Assert.Equal("X-Request-Id", detail["field"]!.GetValue<string>());
        Assert.Equal("must be sent once, as 1–128 printable ASCII characters other than a comma", detail["message"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{32}$", response.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task AnUnexpectedFailureIs500WithTheRequestIdAndNoExceptionText()
    {
        // A real fault: the schema lost a column the query needs, so PostgreSQL rejects the statement.
        var broken = await Database.CreateDatabaseAsync("broken");
        Assert.Equal(0, (await RunCliOnAsync(broken, "migrate")).ExitCode);
        Assert.Equal(0, (await RunCliOnAsync(broken, "accounts", "create", "--id", "acc_1", "--name", "One")).ExitCode);
        await using (var connection = new NpgsqlConnection(broken))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand("ALTER TABLE accounts DROP COLUMN name", connection);
            await drop.ExecuteNonQueryAsync();
        }

        await using var factory = new AccountApiFactory(broken);
        using var client = factory.CreateClient();
        using var request = AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}");
        request.Headers.Add("X-Request-Id", "req-500-test");

        using var response = await client.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        var error = await ErrorOfAsync(response, HttpStatusCode.InternalServerError);
        Assert.Equal("INTERNAL_ERROR", error["code"]!.GetValue<string>());
        Assert.Equal("An unexpected error occurred. Request id: req-500-test.", error["message"]!.GetValue<string>());
        Assert.DoesNotContain("column", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.Equal("req-500-test", response.Headers.GetValues("X-Request-Id").Single());
        var logged = factory.Logs.Where(l => l.Contains("Unhandled exception for request req-500-test", StringComparison.Ordinal)).ToList();
        Assert.Single(logged);
        Assert.Contains("42703", logged[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableDatabaseIs503WithRetryAfter()
    {
        var closed = $"Host=127.0.0.1;Port={PostgresServer.FreeLoopbackPort()};Username=postgres;Timeout=3";
        await using var factory = new AccountApiFactory(closed);
        using var client = factory.CreateClient();

        using var jwtResponse = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}"));
        using var keyResponse = await client.SendAsync(AuthenticationTests.Request("Bearer ok_Zz0Zz0Zz_QQQQQQQQQQQQQQQQQQQQQQQQ", "/api/account"));

        foreach (var response in new[] { jwtResponse, keyResponse })
        {
            var error = await ErrorOfAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("SERVICE_UNAVAILABLE", error["code"]!.GetValue<string>());
            Assert.StartsWith("The service is temporarily unavailable.", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        }
    }

    [Theory]
    [InlineData("unknown route", HttpStatusCode.NotFound, "NOT_FOUND")]
    [InlineData("wrong method", HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED")]
    [InlineData("no credential", HttpStatusCode.Unauthorized, "UNAUTHORIZED")]
    [InlineData("invalid header", HttpStatusCode.BadRequest, "INVALID_IDEMPOTENCY_KEY")]
    [InlineData("no such account", HttpStatusCode.NotFound, "NOT_FOUND")]
    public async Task EveryFailureCarriesTheEnvelopeTheRequestIdAndNoRetryAfterUnlessRetryable(string kind, HttpStatusCode status, string code)
    {
        await SeedAccountAsync("acc_1");
        using var request = kind switch
        {
            "unknown route" => new HttpRequestMessage(HttpMethod.Get, "/v1/nothing"),
            "wrong method" => AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}"),
            "no credential" => new HttpRequestMessage(HttpMethod.Get, "/api/account"),
            "invalid header" => AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}"),
            _ => AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_missing")}", "/api/account"),
        };
        if (kind == "wrong method")
        {
            request.Method = HttpMethod.Put;
        }

        if (kind == "invalid header")
        {
            request.Method = HttpMethod.Post;
            request.RequestUri = new Uri("/api/api-keys", UriKind.Relative);
            request.Content = JsonContent.Create(new { name = "ci" });
            request.Headers.Add("Idempotency-Key", new string('k', 256));
        }

        request.Headers.Add("X-Request-Id", $"failure-{code}");

        using var response = await Client.SendAsync(request);

        var error = await ErrorOfAsync(response, status);
        Assert.Equal(code, error["code"]!.GetValue<string>());
        Assert.Equal($"failure-{code}", response.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.False(response.Headers.Contains("Retry-After"), $"{kind}: Retry-After on a {(int)status}");
        Assert.Equal(status == HttpStatusCode.Unauthorized ? "Bearer" : null, response.Headers.WwwAuthenticate.SingleOrDefault()?.ToString());
    }

    [Fact]
    public async Task AccountResponsesAreNotCacheableOrSniffable()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");

        using var ok = await Client.SendAsync(AuthenticationTests.Request($"Bearer {key}", "/api/account"));
        using var unauthorized = await Client.SendAsync(AuthenticationTests.Request("Bearer nope"));

        foreach (var response in new[] { ok, unauthorized })
        {
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    internal static async Task<JsonNode> ErrorOfAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var root = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(["error"], root.Select(p => p.Key));
        var error = root["error"]!.AsObject();
        Assert.Equal(["code", "message", "docUrl", "details"], error.Select(p => p.Key));
        return error;
    }
}
