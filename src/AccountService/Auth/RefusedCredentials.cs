using System.Net;

namespace AccountService.Auth;

/// <summary>
/// Refused credentials, summarised per client IP: the first refusal from an address is logged at once, then at most
/// one line per address per <see cref="Period"/>, with the number refused since the last line, so guessing keys
/// cannot flood the logs. Each refusal's reason is logged at Debug by the handler that refused it.
/// </summary>
internal sealed partial class RefusedCredentials : IDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    // Beyond this many addresses in one period, the rest are counted together rather than one entry each.
    private const int MaxAddresses = 10_000;
    private const string OtherAddresses = "other";

    private readonly Dictionary<string, Entry> _addresses = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger<RefusedCredentials> _logger;
    private readonly ITimer _sweep;

    public RefusedCredentials(TimeProvider time, ILogger<RefusedCredentials> logger)
    {
        _time = time;
        _logger = logger;
        _sweep = time.CreateTimer(_ => Sweep(), null, Period, Period);
    }

    /// <summary>A credential from <paramref name="address"/> was refused.</summary>
    public void Refused(IPAddress? address)
    {
        var now = _time.GetUtcNow();
        var ip = address?.ToString() ?? "unknown";
        int count;
        lock (_addresses)
        {
            if (!_addresses.TryGetValue(ip, out var entry))
            {
                if (_addresses.Count >= MaxAddresses)
                {
                    ip = OtherAddresses;
                    entry = _addresses.GetValueOrDefault(ip);
                }
            }

            if (entry is not null && now - entry.LoggedAt < Period)
            {
                entry.Pending++;
                return;
            }

            count = (entry?.Pending ?? 0) + 1;
            _addresses[ip] = new Entry(now);
        }

        LogRefused(_logger, count, ip);
    }

    public void Dispose() => _sweep.Dispose();

    /// <summary>Logs what was counted for addresses whose period ended, and forgets addresses gone quiet.</summary>
    private void Sweep()
    {
        var now = _time.GetUtcNow();
        List<(string Ip, int Count)> due = [];
        lock (_addresses)
        {
            foreach (var (ip, entry) in _addresses)
            {
                if (now - entry.LoggedAt < Period)
                {
                    continue;
                }

                if (entry.Pending > 0)
                {
                    due.Add((ip, entry.Pending));
                    entry.Pending = 0;
                    entry.LoggedAt = now;
                }
                else
                {
                    _addresses.Remove(ip);
                }
            }
        }

        foreach (var (ip, count) in due)
        {
            LogRefused(_logger, count, ip);
        }
    }

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Refused {Count} credential(s) from {ClientIp} (at most one line per address per minute)")]
    private static partial void LogRefused(ILogger logger, int count, string clientIp);

    private sealed class Entry(DateTimeOffset loggedAt)
    {
        public DateTimeOffset LoggedAt { get; set; } = loggedAt;

        public int Pending { get; set; }
    }
}
