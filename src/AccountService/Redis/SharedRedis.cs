using System.Diagnostics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AccountService.Redis;

/// <summary>
/// The replicas' shared Redis, when one is configured. <see cref="Database"/> is null while it is not configured, not
/// connected, or failed within the last <see cref="Pause"/>: callers then fall back to per-replica state at once
/// instead of waiting on a dead server. The multiplexer reconnects by itself; an outage is logged once, and so is the
/// recovery.
/// </summary>
internal sealed partial class SharedRedis : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    private readonly RedisOptions _options;
    private readonly ILogger<SharedRedis> _logger;
    private ConnectionMultiplexer? _redis;
    private long _pausedUntil;
    private int _down;
    private volatile bool _cluster;

    public SharedRedis(IOptions<RedisOptions> options, ILogger<SharedRedis> logger)
    {
        _options = options.Value;
        _logger = logger;
    }

    public bool Configured => _options.Enabled;

    /// <summary>Whether the server is a Redis Cluster, where one command's keys must share a hash slot.</summary>
    public bool IsCluster => _cluster;

    /// <summary>The database to use now, or null to fall back to this replica's own state.</summary>
    public IDatabase? Database =>
        _redis is { IsConnected: true } redis && Stopwatch.GetTimestamp() >= Interlocked.Read(ref _pausedUntil) ? redis.GetDatabase() : null;

    /// <summary>The connection, for libraries that take one (the card cache's second level); there once started.</summary>
    public IConnectionMultiplexer Multiplexer =>
        _redis ?? throw new InvalidOperationException("Redis is not configured, or the service has not started.");

    /// <summary>A command failed or timed out: use per-replica state for a moment, and say so once.</summary>
    public void Failed(Exception exception)
    {
        Interlocked.Exchange(ref _pausedUntil, Stopwatch.GetTimestamp() + (long)(Pause.TotalSeconds * Stopwatch.Frequency));
        WentDown(exception.GetBaseException().Message);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Configured)
        {
            return;
        }

        _redis = await ConnectionMultiplexer.ConnectAsync(_options.Configuration());
        _redis.ConnectionFailed += (_, e) => WentDown(e.Exception?.GetBaseException().Message ?? e.FailureType.ToString());
        _redis.ConnectionRestored += (_, _) =>
        {
            LearnServerType();
            if (Interlocked.Exchange(ref _down, 0) == 1)
            {
                LogBack(_logger);
            }
        };
        LearnServerType();
        if (!_redis.IsConnected)
        {
            WentDown("not reachable at start");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private void LearnServerType() =>
        _cluster = _redis!.GetServers().Any(server => server.IsConnected && server.ServerType == ServerType.Cluster);

    private void WentDown(string reason)
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogDown(_logger, reason);
        }
    }

    [LoggerMessage(EventId = 82, Level = LogLevel.Warning, Message = "Redis unavailable; each replica uses its own rate-limit budgets until it is back: {Reason}")]
    private static partial void LogDown(ILogger logger, string reason);

    [LoggerMessage(EventId = 83, Level = LogLevel.Information, Message = "Redis is back; rate-limit budgets are shared again")]
    private static partial void LogBack(ILogger logger);
}
