using System.Diagnostics;
using AccountService.Callers;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// Notes when an app applied a change notification: how long a change took to reach its memory is measured from the
/// commit to that signal, not by repeating requests (whose own latency on a loaded machine would be counted too).
/// </summary>
internal sealed class ChangeWatch : IDisposable
{
    private readonly ChangeNotifications _notifications;
    private readonly string _payload;
    private readonly TaskCompletionSource<long> _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChangeWatch(ChangeNotifications notifications, string payload)
    {
        _notifications = notifications;
        _payload = payload;
        notifications.Applied += OnApplied;
    }

    /// <summary>How long after <paramref name="committedAt"/> (a <see cref="Stopwatch"/> timestamp) the notification was applied; zero if before.</summary>
    public async Task<TimeSpan> LagAfterAsync(long committedAt)
    {
        var appliedAt = await _applied.Task.WaitAsync(TimeSpan.FromSeconds(5));
        return appliedAt <= committedAt ? TimeSpan.Zero : Stopwatch.GetElapsedTime(committedAt, appliedAt);
    }

    public void Dispose() => _notifications.Applied -= OnApplied;

    private void OnApplied(string payload)
    {
        if (payload == _payload)
        {
            _applied.TrySetResult(Stopwatch.GetTimestamp());
        }
    }
}
