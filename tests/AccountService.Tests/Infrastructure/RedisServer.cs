using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// A throwaway Redis from Debian's <c>redis-server</c> on a free loopback port, without persistence; it can be stopped
/// and started again on the same port. <c>.ci/run</c> installs the package.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/redis-server";
    private Process? _process;

    private readonly string? _clusterConfig;

    private RedisServer(int port, string? clusterConfig = null) => (Port, _clusterConfig) = (port, clusterConfig);

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: install Debian's redis-server package (.ci/run does)");
        var server = new RedisServer(PostgresServer.FreeLoopbackPort());
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>
    /// A one-node Redis Cluster holding every hash slot: a command whose keys are in different slots is refused, as on
    /// any cluster. Its bus listens 10,000 ports above it, so its own port is at most 55535.
    /// </summary>
    public static async Task<RedisServer> StartClusterAsync()
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: install Debian's redis-server package (.ci/run does)");
        var port = Enumerable.Range(0, 50).Select(_ => PostgresServer.FreeLoopbackPort()).First(p => p <= 55535 && IsFree(p + 10_000));
        var server = new RedisServer(port, Path.Combine(Path.GetTempPath(), $"redis-cluster-{Guid.NewGuid():N}.conf"));
        await server.StartAgainAsync();
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var node = admin.GetServer("127.0.0.1", port);
        await node.ExecuteAsync("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
        await Signals.WaitUntilAsync(
            async () => ((string?)await node.ExecuteAsync("CLUSTER", "INFO"))?.Contains("cluster_state:ok", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(10),
            "the one-node cluster is ok");
        return server;

        static bool IsFree(int port)
        {
            try
            {
                using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    /// <summary>Starts the server (again) on its port and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(argument);
        }

        if (_clusterConfig is not null)
        {
            foreach (var argument in new[] { "--cluster-enabled", "yes", "--cluster-config-file", _clusterConfig })
            {
                start.ArgumentList.Add(argument);
            }
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var process = _process;
        await Signals.WaitUntilAsync(
            async () =>
            {
                Assert.False(process.HasExited, "redis-server exited during start");
                return await AnswersAsync();
            },
            TimeSpan.FromSeconds(10),
            "redis-server answers PING");
    }

    /// <summary>Scripts the server has run so far (<c>EVAL</c> and <c>EVALSHA</c>), by its <c>INFO commandstats</c>.</summary>
    public async Task<long> ScriptsRunAsync()
    {
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(ConnectionString + ",allowAdmin=true");
        return (await admin.GetServer("127.0.0.1", Port).InfoAsync("commandstats")).SelectMany(g => g)
            .Where(p => p.Key is "cmdstat_eval" or "cmdstat_evalsha")
            .Sum(p => long.Parse(p.Value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture));
    }

    /// <summary>Kills the server: clients see their connection drop, as when Redis dies.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        if (_clusterConfig is not null)
        {
            File.Delete(_clusterConfig);
        }
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return read > 0 && buffer[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
