using Npgsql;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of the test PostgreSQL, which a test can take down and bring back: down, it drops
/// every relayed connection and refuses new ones, as a stopped server would. It works the same whatever server the
/// run uses (ACCOUNTS_TEST_DB included), so outage tests check the same things in every mode.
/// </summary>
internal sealed class PostgresProxy : IAsyncDisposable
{
    private readonly TcpRelay _relay;

    private PostgresProxy(string upstream)
    {
        var builder = new NpgsqlConnectionStringBuilder(upstream);
        _relay = TcpRelay.Start(builder.Host!, builder.Port);
        ConnectionString = new NpgsqlConnectionStringBuilder(upstream) { Host = "127.0.0.1", Port = _relay.Port }.ConnectionString;
    }

    /// <summary>The upstream connection string, pointed at the relay.</summary>
    public string ConnectionString { get; }

    /// <summary>Connections relayed since the start, refused ones not counted.</summary>
    public int Relayed => _relay.Relayed;

    public static PostgresProxy Start(string upstreamConnectionString) => new(upstreamConnectionString);

    /// <summary>The database goes away: open connections are reset, new ones refused.</summary>
    public void TakeDown() => _relay.TakeDown();

    public void BringBack() => _relay.BringBack();

    public ValueTask DisposeAsync() => _relay.DisposeAsync();
}
