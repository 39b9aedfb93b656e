using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using AccountService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AccountService.Tests.Server;

/// <summary>Kestrel's limits and forwarded-header trust, seen from a client on a real socket.</summary>
public sealed class ServerLimitsTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task AnIdleConnectionIsClosedAfterTheKeepAliveTimeout()
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString, new Dictionary<string, string?> { ["Server:KeepAliveTimeout"] = "00:00:01" });
        using var client = factory.StartKestrel();
        await using var raw = await RawHttp.ConnectAsync(client.BaseAddress!);
        await raw.SendGetAsync("/health/live");
        Assert.Equal(200, (await raw.ReadResponseAsync(TimeSpan.FromSeconds(10))).Status);

        // Kestrel checks timeouts once a second: well within 10 s, far below its own 130 s default.
        Assert.True(await raw.ClosedByServerWithinAsync(TimeSpan.FromSeconds(10)), "the idle connection stayed open");
    }

    [Fact]
    public async Task ConnectionsBeyondTheCapAreRefusedUntilOneCloses()
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString, new Dictionary<string, string?> { ["Server:MaxConcurrentConnections"] = "2" });
        using var client = factory.StartKestrel();
        var server = client.BaseAddress!;
        var first = await OpenAndUseAsync(server);
        await using var second = await OpenAndUseAsync(server);

        await using var third = await RawHttp.ConnectAsync(server);
        await third.SendGetAsync("/health/live");
        var refused = await third.ClosedByServerWithinAsync(TimeSpan.FromSeconds(10));
        await first.DisposeAsync();

        Assert.True(refused, "a third connection was served past Server:MaxConcurrentConnections=2");
        await Signals.WaitUntilAsync(
            async () =>
            {
                await using var next = await RawHttp.ConnectAsync(server);
                await next.SendGetAsync("/health/live");
                try
                {
                    return (await next.ReadResponseAsync(TimeSpan.FromSeconds(2))).Status == 200;
                }
                catch (IOException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(10),
            "a new connection is served once one has closed");
    }

    [Fact]
    public async Task HeadersUpTo32KbAreReadAndLargerOnesGet431()
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.StartKestrel();
        await using var small = await RawHttp.ConnectAsync(client.BaseAddress!);
        await using var large = await RawHttp.ConnectAsync(client.BaseAddress!);

        await small.SendGetAsync("/health/live", $"X-Padding: {new string('p', 30 * 1024)}");
        await large.SendGetAsync("/health/live", $"X-Padding: {new string('p', 33 * 1024)}");

        Assert.Equal(200, (await small.ReadResponseAsync(TimeSpan.FromSeconds(10))).Status);
        Assert.Equal(431, (await large.ReadResponseAsync(TimeSpan.FromSeconds(10))).Status);
    }

    [Fact]
    public async Task AClientThatTricklesItsHeadersIsCutOffAfter10Seconds()
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.StartKestrel();
        await using var raw = await RawHttp.ConnectAsync(client.BaseAddress!);

        var clock = Stopwatch.StartNew();
        await raw.SendAsync("GET /health/live HTTP/1.1\r\nHost: localhost\r\n");
        var closed = await raw.ClosedByServerWithinAsync(TimeSpan.FromSeconds(30));

        Assert.True(closed, "the connection was still open after 30 s");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(9), $"cut off after {clock.Elapsed}, before the 10 s header timeout");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task XForwardedHeadersAreBelievedOnlyFromAKnownProxy(bool fromKnownProxy)
    {
        var seen = new ConcurrentQueue<(string Scheme, IPAddress? Client)>();
        var settings = new Dictionary<string, string?> { ["ForwardedHeaders:KnownProxies:0"] = fromKnownProxy ? "127.0.0.1" : "10.9.8.7" };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings, services =>
            services.AddSingleton<IStartupFilter>(new RecordWhatThePipelineSaw(seen)));
        using var client = factory.StartKestrel();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (scheme, remote) = Assert.Single(seen);
        Assert.Equal(fromKnownProxy ? ("https", "203.0.113.9") : ("http", "127.0.0.1"), (scheme, remote?.ToString()));
    }

    private static async Task<RawHttp> OpenAndUseAsync(Uri server)
    {
        var raw = await RawHttp.ConnectAsync(server);
        await raw.SendGetAsync("/health/live");
        Assert.Equal(200, (await raw.ReadResponseAsync(TimeSpan.FromSeconds(10))).Status);
        return raw;
    }

    // Records the scheme and client address the app ended up with, after its own middleware ran.
    private sealed class RecordWhatThePipelineSaw(ConcurrentQueue<(string, IPAddress?)> seen) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                await following(context);
                seen.Enqueue((context.Request.Scheme, context.Connection.RemoteIpAddress));
            });
            next(app);
        };
    }
}
