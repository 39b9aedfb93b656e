using System.Security.Cryptography.X509Certificates;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// The scaled-out topology as <c>scripts/cluster up</c> starts it (PostgreSQL, Redis, replicas of a published service,
/// the nginx gateway, Prometheus), in a directory and on a gateway port of its own; disposing runs
/// <c>scripts/cluster down</c>, also after a failed start. What it started is read from the env file it writes.
/// </summary>
internal sealed class ClusterScript : IAsyncDisposable
{
    private static readonly string Script = Path.Combine(RepositoryRoot.Path, "scripts", "cluster");
    private readonly Dictionary<string, string> _environment;

    private ClusterScript(Dictionary<string, string> environment, IReadOnlyDictionary<string, string> settings)
    {
        _environment = environment;
        Settings = settings;
    }

    /// <summary>The env file's settings (<c>CLUSTER_GATEWAY</c>, <c>CLUSTER_PROMETHEUS</c>, …).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    public Uri Gateway => new(Settings["CLUSTER_GATEWAY"]);

    public Uri Prometheus => new(Settings["CLUSTER_PROMETHEUS"]);

    public string DemoKey => Settings["CLUSTER_DEMO_KEY"];

    /// <summary>Each replica's metrics endpoint as Prometheus names it (its <c>instance</c> label).</summary>
    public IReadOnlyList<string> MetricsInstances =>
        Settings["CLUSTER_METRICS_URLS"].Split(',').Select(url => new Uri(url)).Select(url => $"{url.Host}:{url.Port}").ToList();

    /// <summary>
    /// Starts <paramref name="replicas"/> replicas of the service published in <paramref name="publishedDirectory"/>,
    /// with <paramref name="serviceSettings"/> (environment variables the replicas inherit).
    /// </summary>
    public static async Task<ClusterScript> UpAsync(string publishedDirectory, int replicas, string scrapeInterval, IReadOnlyDictionary<string, string>? serviceSettings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["CLUSTER_DIR"] = Path.Combine(Path.GetTempPath(), $"accounts-cluster-{Guid.NewGuid():N}"),
            ["CLUSTER_SERVICE_DIR"] = publishedDirectory,
            ["CLUSTER_SCRAPE_INTERVAL"] = scrapeInterval,
            ["GATEWAY_PORT"] = PostgresServer.FreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in serviceSettings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        ProcessResult up;
        try
        {
            up = await ProcessRunner.RunAsync("bash", [Script, "up", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture)], environment, RepositoryRoot.Path, TimeSpan.FromMinutes(4));
        }
        catch
        {
            await DownAsync(environment);
            throw;
        }

        var envFile = Path.Combine(environment["CLUSTER_DIR"], "env");
        if (up.ExitCode != 0 || !File.Exists(envFile))
        {
            await DownAsync(environment);
            Assert.Fail($"scripts/cluster up failed ({up.ExitCode}):\n{up.Output}");
        }

        var settings = File.ReadAllLines(envFile)
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1].Trim('\''));
        return new ClusterScript(environment, settings);
    }

    /// <summary>A client for the gateway that trusts the cluster's self-signed certificate and nothing else.</summary>
    public HttpClient GatewayClient()
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(Settings["CLUSTER_CA"]));
        var expected = certificate.GetCertHashString();
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == expected;
        return new HttpClient(handler) { BaseAddress = Gateway };
    }

    /// <summary>The last lines of every log the cluster wrote (replicas, gateway, Redis, Prometheus), to explain a failure.</summary>
    public string LogTails(int lines = 20)
    {
        var directory = Path.Combine(_environment["CLUSTER_DIR"], "logs");
        return string.Join("\n", Directory.GetFiles(directory, "*.log").Order().Select(file =>
            $"== {Path.GetFileName(file)}\n{string.Join("\n", File.ReadLines(file).TakeLast(lines))}"));
    }

    public async ValueTask DisposeAsync() => await DownAsync(_environment);

    private static async Task DownAsync(Dictionary<string, string> environment)
    {
        var down = await ProcessRunner.RunAsync("bash", [Script, "down"], environment, RepositoryRoot.Path, TimeSpan.FromMinutes(2));
        Assert.True(down.ExitCode == 0, $"scripts/cluster down failed:\n{down.Output}");
    }
}
