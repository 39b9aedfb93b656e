namespace AccountService.Tests.Infrastructure;

/// <summary>Waits for something a test can observe, instead of sleeping and hoping it has happened.</summary>
internal static class Signals
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"timed out after {timeout} waiting until {what}");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    /// <summary>As <see cref="WaitUntilAsync(Func{bool}, TimeSpan, string)"/>, for a condition that must be fetched.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"timed out after {timeout} waiting until {what}");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }
}
