using System.Net;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Deployment;

/// <summary>
/// Two replicas behind the nginx gateway (the same configuration compose and scripts/cluster use): the official SDK
/// over HTTP/2 through it, a GET that survives a replica going away, and a revocation seen by both replicas.
/// </summary>
public sealed class GatewayTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task TheOfficialSdkWorksThroughTheGatewayOverHttp2()
    {
        await SeedAccountAsync("acc_sdk");
        var key = await SeedKeyAsync("acc_sdk");
        await using var a = Replica();
        await using var b = Replica();
        using var clientA = a.StartKestrel();
        using var clientB = b.StartKestrel();
        using var certificate = TestCertificates.Create();
        await using var gateway = await NginxGateway.StartAsync(certificate, [clientA.BaseAddress!, clientB.BaseAddress!]);
        var caFile = TestCertificates.WritePem(certificate);
        var expected = await (await clientA.SendAsync(AuthenticationTests.Request($"Bearer {key}"))).Content.ReadAsStringAsync();

        var (exitCode, output) = await NodeScript.RunAsync("sdk", ["--test", "--test-reporter=tap", "accounts-me.test.mjs"], new Dictionary<string, string>
        {
            ["RUNLOOP_BASE_URL"] = gateway.BaseAddress.ToString().TrimEnd('/'),
            ["RUNLOOP_API_KEY"] = key,
            ["NODE_EXTRA_CA_CERTS"] = caFile,
            ["EXPECTED_ACCOUNT"] = expected,
            ["BAD_API_KEY"] = "ok_Zz0Zz0Zz_QQQQQQQQQQQQQQQQQQQQQQQQ",
        },
        requiredPackage: "@runloop/api-client");
        File.Delete(caFile);

        Assert.True(exitCode == 0, output);
        Assert.Contains("# pass 3", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorsTheGatewayAnswersItselfAreEnvelopes()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        var a = Replica();
        var b = Replica();
        using var clientA = a.StartKestrel();
        using var clientB = b.StartKestrel();
        using var certificate = TestCertificates.Create();
        await using var gateway = await NginxGateway.StartAsync(certificate, [clientA.BaseAddress!, clientB.BaseAddress!]);
        using var client = GatewayClient(gateway, certificate);

        using var tooLarge = new HttpRequestMessage(HttpMethod.Post, "/api/api-keys")
        {
            Content = new StringContent(new string('x', 600 * 1024), System.Text.Encoding.UTF8, "application/json"),
        };
        tooLarge.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestAuth.Jwt("acc_1"));
        using var refused = await client.SendAsync(tooLarge);
        var refusedBody = await refused.Content.ReadAsStringAsync();

        await a.DisposeAsync();
        await b.DisposeAsync();
        using var gone = await client.SendAsync(AuthenticationTests.Request($"Bearer {key}"));
        var goneBody = await gone.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal("application/json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("VALIDATION_FAILED", System.Text.Json.Nodes.JsonNode.Parse(refusedBody)!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadGateway, gone.StatusCode);
        Assert.Equal("application/json", gone.Content.Headers.ContentType?.MediaType);
        Assert.Equal("SERVICE_UNAVAILABLE", System.Text.Json.Nodes.JsonNode.Parse(goneBody)!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("1", gone.Headers.GetValues("Retry-After").Single());
        Assert.DoesNotContain("nginx/", gone.Headers.Server.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AGetIsAnsweredByTheOtherReplicaWhenOneIsGone()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var a = Replica();
        var b = Replica();
        using var clientA = a.StartKestrel();
        using var clientB = b.StartKestrel();
        using var certificate = TestCertificates.Create();
        await using var gateway = await NginxGateway.StartAsync(certificate, [clientA.BaseAddress!, clientB.BaseAddress!]);
        using var client = GatewayClient(gateway, certificate);

        await b.DisposeAsync();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {key}"));
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task AKeyRevokedByTheCliFailsOnEveryReplica()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var a = Replica();
        await using var b = Replica();
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        foreach (var client in new[] { clientA, clientB })
        {
            using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {key}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var seen = new System.Collections.Concurrent.ConcurrentBag<double>();
        a.Notifications.Applied += n => seen.Add(started.Elapsed.TotalMilliseconds);
        b.Notifications.Applied += n => seen.Add(started.Elapsed.TotalMilliseconds);
        Assert.Equal(0, (await RunCliAsync("keys", "revoke", "--key-id", key[3..11])).ExitCode);
        var cliDone = started.Elapsed.TotalMilliseconds;
        var revoked = System.Diagnostics.Stopwatch.StartNew();

        foreach (var client in new[] { clientA, clientB })
        {
            while (true)
            {
                using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {key}"));
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    break;
                }

                Assert.True(revoked.Elapsed < TimeSpan.FromSeconds(5), $"still {response.StatusCode} after {revoked.Elapsed}");
            }
        }

        Assert.True(revoked.Elapsed <= TimeSpan.FromMilliseconds(100), $"both replicas refused the key only after {revoked.Elapsed.TotalMilliseconds} ms; cli {cliDone}; seen {string.Join(',', seen)}");
    }

    private AccountApiFactory Replica() => new(
        Database.ConnectionString,
        new Dictionary<string, string?>(TestAuth.JwtSettings()) { ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1" },
        seeOwnWrites: false);

    private static HttpClient GatewayClient(NginxGateway gateway, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        return new HttpClient(handler) { BaseAddress = gateway.BaseAddress, DefaultRequestVersion = HttpVersion.Version20 };
    }
}
