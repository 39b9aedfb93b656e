using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace AccountService.Tests.Server;

/// <summary>
/// One HTTP/2 connection on the HTTPS endpoint opening 2,000 streams at once, without waiting for the server's
/// SETTINGS: every stream is answered or cleanly refused, nothing is logged at Error or above, and the host still
/// stops within <c>Server:ShutdownTimeout</c>.
/// </summary>
public sealed class Http2StreamFloodTests(PostgresFixture database, ITestOutputHelper output) : IntegrationTest(database)
{
    private const int Streams = 2000;

    [Fact]
    public async Task TwoThousandStreamsOnOneConnectionAreAnsweredOrRefusedAndShutdownStaysWithinItsTimeout()
    {
        await SeedAccountAsync("acc_flood");
        var key = await SeedKeyAsync("acc_flood");
        using var certificate = TestCertificates.Create();
        var caFile = TestCertificates.WritePem(certificate);
        var shutdownTimeout = TimeSpan.FromSeconds(3);
        var settings = new Dictionary<string, string?> { ["Server:ShutdownTimeout"] = "00:00:03" };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings, seeOwnWrites: false);
        using var client = factory.StartKestrel(certificate);

        // The caller is known first, as for any client that has used its key before: the flood is served from memory.
        using (var known = await client.SendAsync(AuthenticationTests.Request($"Bearer {key}")))
        {
            Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        }

        ProcessResult flood;
        try
        {
            flood = await ProcessRunner.RunAsync(
                "node",
                [Path.Combine(RepositoryRoot.Path, "tests", "sdk", "h2-flood.mjs")],
                new Dictionary<string, string>
                {
                    ["BASE_URL"] = client.BaseAddress!.ToString().TrimEnd('/'),
                    ["API_KEY"] = key,
                    ["STREAMS"] = Streams.ToString(CultureInfo.InvariantCulture),
                    ["NODE_EXTRA_CA_CERTS"] = caFile,
                },
                timeout: TimeSpan.FromMinutes(2));
        }
        finally
        {
            File.Delete(caFile);
        }

        var clock = Stopwatch.StartNew();
        await factory.Services.GetRequiredService<IHost>().StopAsync();
        var stoppedAfter = clock.Elapsed;
        output.WriteLine($"outcomes: {flood.Stdout.Trim()}; StopAsync took {stoppedAfter}");

        Assert.True(flood.ExitCode == 0, flood.Output);
        var outcomes = JsonSerializer.Deserialize<Dictionary<string, int>>(flood.Stdout.Trim().Split('\n')[^1])!;
        var loud = factory.Logs.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.True(loud.Count == 0, $"{loud.Count} lines at Error or above, e.g.:\n{string.Join('\n', loud.Take(3))}\noutcomes: {flood.Output}");
        Assert.Equal(Streams, outcomes.Values.Sum());

        // Each stream answered (200, or 429/503 in the envelope) or refused with RST_STREAM REFUSED_STREAM (7), which a
        // client may retry; never cut off with the connection (INTERNAL_ERROR, 2).
        Assert.All(outcomes.Keys, outcome => Assert.Contains(outcome, (string[])["200", "429 RATE_LIMITED", "503 SERVICE_UNAVAILABLE", "reset 7"]));
        Assert.True(outcomes.GetValueOrDefault("200") > 0, flood.Output);
        Assert.True(stoppedAfter < shutdownTimeout + TimeSpan.FromSeconds(2), $"StopAsync took {stoppedAfter}; outcomes: {flood.Output}");
    }
}
