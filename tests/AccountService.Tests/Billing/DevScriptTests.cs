using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using AccountService.Tests.Deployment;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Billing;

/// <summary>
/// scripts/dev as a newcomer runs it, from a clean copy of the repository (the files git tracks or would track, no
/// build output, no .dev/), on free ports, with no Stripe key: the printed <c>curl</c> line for
/// <c>/api/account</c> shows the demo account's card, served by the local Stripe stand-in.
/// </summary>
public sealed class DevScriptTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task ScriptsDevShowsTheDemoCardInItsCurlOutput()
    {
        var clone = await CleanCopyAsync();
        var (port, httpsPort) = (PostgresServer.FreeLoopbackPort(), PostgresServer.FreeLoopbackPort());
        var start = new ProcessStartInfo("bash", [Path.Combine(clone, "scripts", "dev")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = clone,
        };
        start.Environment["PORT"] = $"{port}";
        start.Environment["HTTPS_PORT"] = $"{httpsPort}";
        start.Environment["METRICS_PORT"] = $"{PostgresServer.FreeLoopbackPort()}";
        start.Environment["ConnectionStrings__Accounts"] = await Database.CreateDatabaseAsync("dev_script");
        start.Environment.Remove("STRIPE_SECRET_KEY");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var dev = new Process { StartInfo = start };
        dev.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        dev.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        dev.Start();
        dev.BeginOutputReadLine();
        dev.BeginErrorReadLine();
        try
        {
            await WaitUntilReadyAsync(dev, port, stdout, stderr);
            var curl = Read(stdout).Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("curl ", StringComparison.Ordinal) && l.EndsWith("/api/account", StringComparison.Ordinal));

            var result = await ProcessRunner.RunAsync("bash", ["-c", curl], timeout: TimeSpan.FromSeconds(30));

            Assert.Equal(0, result.ExitCode);
            var json = JsonNode.Parse(result.Stdout)!;
            Assert.True(
                JsonNode.DeepEquals(
                    JsonNode.Parse("""{"id":"pm_demo_visa","brand":"visa","last4":"4242","expMonth":12,"expYear":2030}"""),
                    json["paymentMethod"]),
                result.Stdout);
            Assert.Contains($"https://127.0.0.1:{httpsPort}", Read(stdout), StringComparison.Ordinal);
        }
        finally
        {
            dev.Kill(entireProcessTree: true);
            await dev.WaitForExitAsync();
            Directory.Delete(clone, recursive: true);
        }
    }

    // The working tree's files as a fresh clone would have them (tracked, or new and not ignored).
    private static async Task<string> CleanCopyAsync()
    {
        var clone = Path.Combine(Path.GetTempPath(), $"accounts-dev-{Guid.NewGuid():N}");
        var files = await ProcessRunner.RunAsync(
            "git",
            ["-C", RepositoryRoot.Path, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
        Assert.Equal(0, files.ExitCode);
        foreach (var file in files.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var source = Path.Combine(RepositoryRoot.Path, file);
            if (!File.Exists(source))
            {
                continue;
            }

            var target = Path.Combine(clone, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, File.GetUnixFileMode(source));
            }
        }

        return clone;
    }

    // scripts/dev builds, migrates and seeds, prints its curl lines, then serves: wait for the last.
    private static async Task WaitUntilReadyAsync(Process dev, int port, StringBuilder stdout, StringBuilder stderr)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Signals.WaitUntilAsync(
            () =>
            {
                Assert.False(dev.HasExited, $"scripts/dev exited with {(dev.HasExited ? dev.ExitCode : 0)}:\n{Read(stdout)}\n{Read(stderr)}");
                return ServiceProcess.AnswersAsync(http, new Uri($"http://127.0.0.1:{port}/health/ready"));
            },
            TimeSpan.FromMinutes(6),
            "scripts/dev serves",
            () => $"{Read(stdout)}\n{Read(stderr)}");
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
