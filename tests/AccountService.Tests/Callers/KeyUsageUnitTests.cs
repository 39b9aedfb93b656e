using AccountService.Callers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AccountService.Tests.Callers;

/// <summary>When a use of a key is noted for a <c>last_used_at</c> write: at most once a minute, from what was read.</summary>
public sealed class KeyUsageUnitTests
{
    private static readonly TimeSpan Minute = KeyUsageRecorder.TouchInterval;

    private static readonly DateTimeOffset Start = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public void AKeyNeverUsedIsNotedOnItsFirstUseThenOnlyOnceAMinuteHasPassed()
    {
        var key = Key(lastUsedAt: null);

        int[] seconds = [0, 1, 59, 60, 61, 119, 121];
        var claimed = seconds
            .Select(s => key.TryClaimWrite(Start + TimeSpan.FromSeconds(s), Minute))
            .ToArray();

        Assert.Equal([true, false, false, true, false, false, true], claimed);
    }

    [Fact]
    public void TheRecorderNotesAUseOnlyWhenTheKeyClaimsTheWrite()
    {
        var recorder = Recorder();
        var recent = Key(lastUsedAt: Start - TimeSpan.FromSeconds(10));
        var old = Key(lastUsedAt: Start - TimeSpan.FromMinutes(5));

        recorder.Used("recent", recent);
        var afterRecent = recorder.Pending;
        recorder.Used("old", old);
        recorder.Used("old", old);

        Assert.Equal(0, afterRecent);
        Assert.Equal(1, recorder.Pending);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(30, false)]
    [InlineData(59, false)]
    [InlineData(60, true)]
    [InlineData(600, true)]
    public void AKeyReadWithALastUsedAtWithinTheMinuteIsNotedOnlyOnceTheMinuteHasPassed(int secondsAgo, bool notedNow)
    {
        var lastUsedAt = Start - TimeSpan.FromSeconds(secondsAgo);
        var key = Key(lastUsedAt);

        var now = key.TryClaimWrite(Start, Minute);
        var aMinuteAfterTheRead = key.TryClaimWrite(lastUsedAt + Minute, Minute);

        Assert.Equal(notedNow, now);
        Assert.Equal(!notedNow, aMinuteAfterTheRead);
    }

    [Fact]
    public void UsesAtTheSameMomentClaimOneWrite()
    {
        const int Threads = 4;
        const int Minutes = 2_000;
        var key = Key(lastUsedAt: null);
        var claims = new int[Minutes];
        using var together = new Barrier(Threads);

        var threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            for (var minute = 0; minute < Minutes; minute++)
            {
                together.SignalAndWait();
                if (key.TryClaimWrite(Start + (minute * Minute), Minute))
                {
                    Interlocked.Increment(ref claims[minute]);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.All(claims, count => Assert.Equal(1, count));
    }

    [Fact]
    public void AKeyReadAgainBeforeItsWriteIsFlushedIsWrittenOnce()
    {
        var recorder = Recorder();

        recorder.Used("key1", Key(lastUsedAt: null));
        _time.Advance(TimeSpan.FromSeconds(1));
        recorder.Used("key1", Key(lastUsedAt: null));
        recorder.Used("key2", Key(lastUsedAt: null));

        Assert.Equal(2, recorder.Pending);
    }

    private static KeyRecord Key(DateTimeOffset? lastUsedAt) => new("acc_1", new byte[32], revoked: false, lastUsedAt);

    private KeyUsageRecorder Recorder() => new(
        new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
        Options.Create(new CacheOptions()),
        _time,
        NullLogger<KeyUsageRecorder>.Instance);
}
