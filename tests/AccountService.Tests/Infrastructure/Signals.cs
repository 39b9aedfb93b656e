using System.Diagnostics;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// The one way tests wait: poll something observable until it holds, with a deadline, instead of sleeping and hoping
/// it has happened. A condition may act before it looks (send a request, scrape metrics) and may fail the test itself
/// (a process that exited will never answer).
/// </summary>
internal static class Signals
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; after <paramref name="timeout"/> fails naming
    /// <paramref name="what"/>, followed by <paramref name="state"/> (what was seen last) when given.
    /// </summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? state = null)
    {
        if (!await HoldsWithinAsync(condition, timeout))
        {
            Assert.Fail($"timed out after {timeout} waiting until {what}{(state is null ? "" : $"\n{state()}")}");
        }
    }

    /// <summary>As <see cref="WaitUntilAsync(Func{Task{bool}}, TimeSpan, string, Func{string})"/>, for a condition read in memory.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? state = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what, state);

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> has passed; whether it held. For
    /// waits that are not the test's to fail (an app settling before its first request, a server stopping).
    /// </summary>
    public static async Task<bool> HoldsWithinAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (waited.Elapsed >= timeout)
            {
                return false;
            }

            // Not bound to the caller's context: the app's host waits here synchronously while it is created.
            await Task.Delay(Interval).ConfigureAwait(false);
        }

        return true;
    }
}
