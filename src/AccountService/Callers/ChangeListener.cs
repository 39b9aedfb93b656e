using AccountService.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AccountService.Callers;

/// <summary>
/// LISTENs on <see cref="ChangeNotifications.Channel"/>, which triggers notify on every committed change to keys,
/// accounts, apps, seats and last known cards, and hands each payload to <see cref="ChangeNotifications"/>. Memory is
/// trusted only while this connection is up: when it is lost, requests read the database; it reconnects at once and,
/// having possibly missed notifications, drops everything before memory is trusted again.
/// </summary>
internal sealed partial class ChangeListener(
    ChangeNotifications notifications,
    IOptions<DatabaseOptions> database,
    NpgsqlDataSource requests,
    ILogger<ChangeListener> logger) : BackgroundService
{
    /// <summary>With no notification for this long, the connection is asked a question to prove it is still there.</summary>
    internal static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long a connected listener waits for the requests' pool to reach the same database before giving up.</summary>
    private static readonly TimeSpan PoolCatchUp = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Its own physical connection: a listening session must not go back to the pool.
        var connectionString = new NpgsqlConnectionStringBuilder(database.Value.EffectiveConnectionString)
        {
            Pooling = false,
            TcpKeepAlive = true,
            ApplicationName = "accountservice-listener",
        }.ConnectionString;

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(connectionString, () => failures = 0, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                notifications.Lost();
                if (failures++ == 0)
                {
                    LogLost(logger, ex.GetBaseException().Message);
                }

                // The first retry is immediate; a database that stays away is asked at most once a second.
                var delay = TimeSpan.FromMilliseconds(Math.Min(MaxRetryDelay.TotalMilliseconds, 50 * Math.Pow(2, failures - 1)));
                if (failures > 1)
                {
                    await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }

        notifications.Lost();
    }

    private async Task ListenAsync(string connectionString, Action connected, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        connection.Notification += (_, e) => notifications.Apply(e.Payload);
        await connection.OpenAsync(ct);
        await using (var listen = new NpgsqlCommand($"LISTEN {ChangeNotifications.Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(ct);
        }

        await RequestsReachTheDatabaseAsync(ct);

        // Listening from here on; whatever changed before is dropped, then memory is trusted.
        notifications.Connected();
        connected();
        LogListening(logger);

        while (true)
        {
            if (!await connection.WaitAsync(IdleCheck, ct))
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(ct);
            }
        }
    }

    /// <summary>
    /// Waits (bounded) until the requests' pool opens a connection too. After a failover the listener, on a connection of
    /// its own, may find the new primary before the pool does (the driver believes what it last learnt of each host for
    /// <c>Host Recheck Seconds</c>); memory dropped in that gap would leave known callers with neither memory nor a
    /// database. With several hosts the pool is asked again once that time has passed, so a verdict on a host learnt
    /// before the promotion (by a request that asked just before it) has expired too. Until then requests keep answering
    /// known callers from memory when the database cannot be reached.
    /// </summary>
    private async Task RequestsReachTheDatabaseAsync(CancellationToken ct)
    {
        var connectionString = database.Value.EffectiveConnectionString;
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        var settle = settings.Host?.Contains(',', StringComparison.Ordinal) == true
            ? TimeSpan.FromSeconds(Math.Min(settings.HostRecheckSeconds, 2))
            : TimeSpan.Zero;
        var deadline = DateTime.UtcNow + PoolCatchUp + settle;
        DateTime? firstOpen = null;
        while (true)
        {
            try
            {
                await using (await requests.OpenConnectionAsync(ct))
                {
                }

                firstOpen ??= DateTime.UtcNow;
                if (DateTime.UtcNow - firstOpen >= settle)
                {
                    return;
                }

                await Task.Delay(settle - (DateTime.UtcNow - firstOpen.Value) + TimeSpan.FromMilliseconds(50), ct);
            }
            catch (Exception ex) when (DatabaseFaults.IsUnavailable(ex) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
        }
    }

    [LoggerMessage(EventId = 54, Level = LogLevel.Information, Message = "Listening for account changes")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 55, Level = LogLevel.Warning, Message = "Lost the change listener; reading the database until it is back: {Reason}")]
    private static partial void LogLost(ILogger logger, string reason);
}
