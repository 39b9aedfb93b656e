using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of the test PostgreSQL, which a test can take down and bring back: down, it drops
/// every relayed connection and refuses new ones, as a stopped server would. It works the same whatever server the
/// run uses (ACCOUNTS_TEST_DB included), so outage tests check the same things in every mode.
/// </summary>
internal sealed class PostgresProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _down;

    private PostgresProxy(string upstream)
    {
        var builder = new NpgsqlConnectionStringBuilder(upstream);
        _upstreamHost = builder.Host!;
        _upstreamPort = builder.Port;
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        ConnectionString = new NpgsqlConnectionStringBuilder(upstream) { Host = "127.0.0.1", Port = port }.ConnectionString;
        _accepting = AcceptAsync();
    }

    /// <summary>The upstream connection string, pointed at the relay.</summary>
    public string ConnectionString { get; }

    /// <summary>Connections relayed since the start, refused ones not counted.</summary>
    public int Relayed { get; private set; }

    public static PostgresProxy Start(string upstreamConnectionString) => new(upstreamConnectionString);

    /// <summary>The database goes away: open connections are reset, new ones refused.</summary>
    public void TakeDown()
    {
        _down = true;
        foreach (var client in _open.Keys)
        {
            Reset(client);
        }
    }

    public void BringBack() => _down = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        TakeDown();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_down)
            {
                Reset(client);
                continue;
            }

            Relayed++;
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        _open[client] = 0;
        _open[upstream] = 0;
        try
        {
            await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
            var a = client.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(upstream, out _);
            Reset(client);
        }
    }

    // An abortive close (RST), as when a server process dies: the peer sees the connection fail at once.
    private static void Reset(TcpClient client)
    {
        try
        {
            if (client.Client is { } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }

            client.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
