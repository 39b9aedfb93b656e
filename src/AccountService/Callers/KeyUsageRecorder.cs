using System.Collections.Concurrent;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AccountService.Callers;

/// <summary>
/// Keeps <c>api_keys.last_used_at</c> roughly current off the request path: a request only notes that its key was
/// used; every <see cref="CacheOptions.KeyUsageFlushInterval"/> the keys noted since are written in one statement,
/// and once more on a graceful shutdown. A key is written at most once per <see cref="TouchInterval"/>, by this
/// replica (the held <see cref="KeyRecord"/> remembers its last write, starting from what the database held when it
/// was read) and across replicas (the statement skips rows written within it). So the recorder keeps no table of its
/// own: what it remembers of a key lives and goes with the key in <see cref="CallerCache"/>.
/// </summary>
internal sealed partial class KeyUsageRecorder(
    IServiceScopeFactory scopes,
    IOptions<CacheOptions> options,
    TimeProvider time,
    ILogger<KeyUsageRecorder> logger) : BackgroundService
{
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    private const int ShutdownFlushAttempts = 6;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _pending = new(StringComparer.Ordinal);

    // One flush at a time: a flush that finds nothing pending while another is writing waits for that one, so a stop
    // (the host may run StopAsync twice at once) returns only once what was noted is written. Never disposed: it holds
    // no wait handle, and a stop may still be running when the host disposes its services.
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <summary>Keys noted and not yet written.</summary>
    internal int Pending => _pending.Count;

    /// <summary>Notes a use of the key <paramref name="keyId"/>, as <paramref name="key"/> holds it.</summary>
    public void Used(string keyId, KeyRecord key)
    {
        var now = time.GetUtcNow();
        if (key.TryClaimWrite(now, TouchInterval))
        {
            _pending[keyId] = now;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.KeyUsageFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The last flush, tried again while it fails (a connection that broke since the pool's last use, a server that
    /// has no connection to spare for a moment), after 50 ms, then twice as long each time (1.55 s of pauses in all), at most
    /// <see cref="ShutdownFlushAttempts"/> times and never past the host's shutdown timeout. A broken connection fails
    /// its try and clears the pool (<see cref="BrokenConnections"/>), so the next try has a fresh one.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var delay = TimeSpan.FromMilliseconds(50);
        try
        {
            for (var attempt = 1; !await FlushAsync(cancellationToken) && attempt < ShutdownFlushAttempts; attempt++)
            {
                // Real time, not the service's clock: the pause is for the database, whatever a test's clock says.
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The shutdown timeout passed (in-flight requests may have used it up): what is left is not written, and
            // the process still exits cleanly.
            if (!_pending.IsEmpty)
            {
                LogFlushFailed(logger, _pending.Count, "the shutdown timeout passed");
            }
        }
    }

    /// <summary>Writes what was noted since the last flush; on failure it is kept for the next one and false is returned.</summary>
    internal async Task<bool> FlushAsync(CancellationToken ct)
    {
        await _flushing.WaitAsync(ct);
        try
        {
            return await FlushPendingAsync(ct);
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task<bool> FlushPendingAsync(CancellationToken ct)
    {
        if (_pending.IsEmpty)
        {
            return true;
        }

        var batch = new List<(string KeyId, DateTimeOffset UsedAt)>();
        foreach (var keyId in _pending.Keys)
        {
            if (_pending.TryRemove(keyId, out var usedAt))
            {
                batch.Add((keyId, usedAt));
            }
        }

        var keyIds = batch.Select(b => b.KeyId).ToArray();
        var usedAts = batch.Select(b => b.UsedAt).ToArray();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AccountDbContext>();

            // key_id is character(8): the ids are cast to it so the primary key finds the rows.
            var written = await db.Database.ExecuteSqlAsync(
                $"""
                UPDATE api_keys AS k SET last_used_at = u.used_at
                FROM unnest({keyIds}::character(8)[], {usedAts}::timestamptz[]) AS u(key_id, used_at)
                WHERE k.key_id = u.key_id AND (k.last_used_at IS NULL OR k.last_used_at <= u.used_at - interval '1 minute')
                """,
                ct);
            LogFlushed(logger, batch.Count, written);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            foreach (var (keyId, usedAt) in batch)
            {
                _pending.TryAdd(keyId, usedAt);
            }

            LogFlushFailed(logger, batch.Count, ex.GetBaseException().Message);
            return false;
        }
    }

    [LoggerMessage(EventId = 52, Level = LogLevel.Debug, Message = "Wrote last_used_at of {Written} of {Noted} API keys")]
    private static partial void LogFlushed(ILogger logger, int noted, int written);

    [LoggerMessage(EventId = 53, Level = LogLevel.Warning, Message = "Could not write last_used_at of {Noted} API keys; will retry: {Reason}")]
    private static partial void LogFlushFailed(ILogger logger, int noted, string reason);
}
