using System.Diagnostics;
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
    public async Task AReplicaThatFailedGetsTrafficAgainWithinASecondOfBeingBack()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var a = Replica(logRequests: true);
        await using var b = Replica(logRequests: true);
        using var clientA = a.StartKestrel();
        using var clientB = b.StartKestrel();
        await using var relayB = TcpRelay.Start(clientB.BaseAddress!.Host, clientB.BaseAddress.Port);
        using var certificate = TestCertificates.Create();
        await using var gateway = await NginxGateway.StartAsync(certificate, [clientA.BaseAddress!, new Uri($"http://127.0.0.1:{relayB.Port}")]);
        using var client = GatewayClient(gateway, certificate);
        async Task<HttpStatusCode> GetAsync()
        {
            using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {key}"));
            return response.StatusCode;
        }

        string State() => $"A answered {Answered(a)}, B {Answered(b)}; relay to B: {relayB.Relayed} relayed, {relayB.Refused} refused";

        // Both replicas take turns.
        await UntilAsync(() => Answered(b) > 0 && Answered(a) > 0, GetAsync, TimeSpan.FromSeconds(30), State);

        // B goes away: the request nginx sends it is reset, retried on A, and B is marked failed.
        relayB.TakeDown();
        await UntilAsync(() => relayB.Refused > 0, GetAsync, TimeSpan.FromSeconds(30), State);

        // B is back: nginx tries it again once fail_timeout (1 s) has passed since the failure. A 3 s bound leaves
        // room for a loaded host and still fails with the 5 s nginx would otherwise wait.
        relayB.BringBack();
        var back = Stopwatch.StartNew();
        var answeredBefore = Answered(b);
        await UntilAsync(() => Answered(b) > answeredBefore, GetAsync, TimeSpan.FromSeconds(30), State);
        var servedAgainAfter = back.Elapsed;

        Assert.True(servedAgainAfter < TimeSpan.FromSeconds(3), $"B answered again only {servedAgainAfter.TotalMilliseconds:F0} ms after it was back");
    }

    [Fact]
    public void ComposeAndTheClusterScriptGiveReplicasTheUpstreamParametersTheGatewayTestsUse()
    {
        var compose = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docker-compose.yml"));
        var cluster = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "scripts", "cluster"));

        Assert.Contains($"server api:8080 {NginxGateway.ServerParameters};", compose, StringComparison.Ordinal);
        Assert.Contains($"server 127.0.0.1:$port {NginxGateway.ServerParameters};", cluster, StringComparison.Ordinal);
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

    private AccountApiFactory Replica(bool logRequests = false)
    {
        var settings = new Dictionary<string, string?> { ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1" };
        if (logRequests)
        {
            // Each replica's request log says which one answered; the loops that read it must not be cut short by
            // the account's budget.
            settings["Logging:Requests"] = "true";
            settings["RateLimits:PerAccountPerMinute"] = "100000";
        }

        return new AccountApiFactory(Database.ConnectionString, settings, seeOwnWrites: false);
    }

    // Requests a replica answered 200 on /v1/accounts/me, from its request log.
    private static int Answered(AccountApiFactory replica) =>
        replica.Logs.Count(l => l.StartsWith("Information AccountService.Server.RequestLog: GET /v1/accounts/me 200 ", StringComparison.Ordinal));

    // Sends requests, each answered 200 through the gateway, until the condition holds.
    private static Task UntilAsync(Func<bool> condition, Func<Task<HttpStatusCode>> send, TimeSpan limit, Func<string> state) =>
        Signals.WaitUntilAsync(
            async () =>
            {
                if (condition())
                {
                    return true;
                }

                Assert.Equal(HttpStatusCode.OK, await send());
                return false;
            },
            limit,
            "the gateway's replicas show it",
            state);

    private static HttpClient GatewayClient(NginxGateway gateway, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        return new HttpClient(handler) { BaseAddress = gateway.BaseAddress, DefaultRequestVersion = HttpVersion.Version20 };
    }
}
