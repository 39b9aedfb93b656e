using AccountService.Callers;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AccountService.Tests.Callers;

/// <summary>The cache's rules on their own: trust, tickets and the stale-if-error limit.</summary>
public sealed class CallerCacheUnitTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public void NothingIsServedFromMemoryUntilTheListenerIsConnected()
    {
        using var cache = Cache();
        cache.Store("a:1", "row", cache.Begin("a:1"));

        var beforeListening = cache.TryGetCurrent<string>("a:1", out _);
        cache.ListenerConnected();
        cache.Store("a:1", "row", cache.Begin("a:1"));

        Assert.False(beforeListening);
        Assert.True(cache.TryGetCurrent<string>("a:1", out var row));
        Assert.Equal("row", row);
    }

    [Fact]
    public void AReconnectedListenerDropsWhatMayHaveChangedWhileItWasAway()
    {
        using var cache = Cache();
        cache.ListenerConnected();
        cache.Store("k:1", "key", cache.Begin("k:1"));

        cache.ListenerLost();
        var whileLost = cache.TryGetCurrent<string>("k:1", out _);
        cache.ListenerConnected();

        Assert.False(whileLost);
        Assert.False(cache.TryGetCurrent<string>("k:1", out _));
    }

    [Fact]
    public void AValueReadBeforeAChangeWasNotifiedIsNotKept()
    {
        using var cache = Cache();
        cache.ListenerConnected();
        var ticket = cache.Begin("k:1");
        var anyTicket = cache.BeginAny();

        cache.Invalidate("k:1");
        cache.Store("k:1", "stale", ticket);
        cache.Store("a:1", "stale", anyTicket);

        Assert.False(cache.TryGetCurrent<string>("k:1", out _));
        Assert.False(cache.TryGetCurrent<string>("a:1", out _));
    }

    [Fact]
    public void AValueReadBeforeAFlushIsNotKept()
    {
        using var cache = Cache();
        cache.ListenerConnected();
        var ticket = cache.Begin("k:1");

        cache.InvalidateAll();
        cache.Store("k:1", "stale", ticket);

        Assert.False(cache.TryGetCurrent<string>("k:1", out _));
    }

    [Fact]
    public void StaleValuesAreServedForStaleIfErrorAfterTheListenerWasLostAndNoLonger()
    {
        using var cache = Cache(TimeSpan.FromSeconds(30));
        cache.ListenerConnected();
        cache.Store("a:1", "row", cache.Begin("a:1"));
        _time.Advance(TimeSpan.FromMinutes(10));

        cache.ListenerLost();
        _time.Advance(TimeSpan.FromSeconds(29));
        var within = cache.TryGetStale<string>("a:1", out _);
        _time.Advance(TimeSpan.FromSeconds(2));
        var past = cache.TryGetStale<string>("a:1", out _);

        Assert.Equal((true, false), (within, past));
    }

    [Fact]
    public void ZeroStaleIfErrorServesNothingStale()
    {
        using var cache = Cache(TimeSpan.Zero);
        cache.ListenerConnected();
        cache.Store("a:1", "row", cache.Begin("a:1"));

        cache.ListenerLost();

        Assert.False(cache.TryGetStale<string>("a:1", out _));
    }

    private CallerCache Cache(TimeSpan? staleIfError = null) =>
        new(Options.Create(new CacheOptions { StaleIfError = staleIfError ?? TimeSpan.FromSeconds(30) }), _time);
}
