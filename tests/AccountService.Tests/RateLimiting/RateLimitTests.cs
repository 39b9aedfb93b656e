using System.Net;
using AccountService.Tests.Auth;
using AccountService.Tests.Errors;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace AccountService.Tests.RateLimiting;

/// <summary>Fixed windows on a fake clock (10 s past a minute), over a real socket so the client address is real.</summary>
public sealed class RateLimitTests(PostgresFixture database) : IntegrationTest(database)
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero));

    [Fact]
    public async Task The301stRequestInAWindowIs429WithHeadersAndTheEnvelope()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        var (factory, client) = Start(new() { ["RateLimits:PerAccountPerMinute"] = "300" });
        await using var _ = factory;

        var first = await SendAsync(client, key);
        for (var i = 2; i <= 300; i++)
        {
            (await SendAsync(client, key)).Dispose();
        }

        using var rejected = await SendAsync(client, key);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("\"default\";q=300;w=60", Header(first, "RateLimit-Policy"));
        Assert.Equal("\"default\";r=299;t=50", Header(first, "RateLimit"));
        first.Dispose();
        var error = await ErrorEnvelopeTests.ErrorOfAsync(rejected, HttpStatusCode.TooManyRequests);
        Assert.Equal("RATE_LIMITED", error["code"]!.GetValue<string>());
        Assert.Equal("https://orbitkit.io/api/rate-limits/#rate-limited", error["docUrl"]!.GetValue<string>());
        Assert.Equal("50", Header(rejected, "Retry-After"));
        Assert.Equal("\"default\";q=300;w=60", Header(rejected, "RateLimit-Policy"));
        Assert.Equal("\"default\";r=0;t=50", Header(rejected, "RateLimit"));
    }

    [Fact]
    public async Task TheWindowResetsOnTheMinute()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        var (factory, client) = Start(new() { ["RateLimits:PerAccountPerMinute"] = "2" });
        await using var _ = factory;
        (await SendAsync(client, key)).Dispose();
        (await SendAsync(client, key)).Dispose();
        using var limited = await SendAsync(client, key);

        _clock.Advance(TimeSpan.FromSeconds(50));
        using var next = await SendAsync(client, key);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("\"default\";r=1;t=60", Header(next, "RateLimit"));
    }

    [Fact]
    public async Task TwoAccountsDoNotShareABudget()
    {
        await SeedAccountAsync("acc_1");
        await SeedAccountAsync("acc_2");
        var first = await SeedKeyAsync("acc_1");
        var second = await SeedKeyAsync("acc_2");
        var (factory, client) = Start(new() { ["RateLimits:PerAccountPerMinute"] = "2" });
        await using var _ = factory;

        var firstStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await SendAsync(client, first);
            firstStatuses.Add(response.StatusCode);
        }

        using var other = await SendAsync(client, second);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], firstStatuses);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("\"default\";r=1;t=50", Header(other, "RateLimit"));
    }

    [Fact]
    public async Task FailedCredentialsAreLimitedPerIpWithoutLockingOutTheAccount()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        var (factory, client) = Start(new() { ["RateLimits:PerIpPerMinute"] = "3" });
        await using var _ = factory;

        var guesses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await SendAsync(client, $"{key[..12]}{new string('Q', 24)}");
            guesses.Add(response.StatusCode);
            if (i == 0)
            {
                Assert.Equal("\"ip\";q=3;w=60", Header(response, "RateLimit-Policy"));
                Assert.Equal("\"ip\";r=2;t=50", Header(response, "RateLimit"));
            }
        }

        using var owner = await SendAsync(client, key);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], guesses);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task AForgedForwardedForFromAnUnknownProxyIsIgnored()
    {
        var (factory, client) = Start(new() { ["RateLimits:PerIpPerMinute"] = "2" });
        await using var _ = factory;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await SendAsync(client, "junk", forwardedFor: $"203.0.113.{i + 1}");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task ForwardedForFromAKnownProxyNamesTheClient()
    {
        var (factory, client) = Start(new()
        {
            ["RateLimits:PerIpPerMinute"] = "2",
            ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
        });
        await using var _ = factory;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await SendAsync(client, "junk", forwardedFor: $"203.0.113.{i + 1}");
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
    }

    [Fact]
    public async Task HealthProbesAreNotLimited()
    {
        var (factory, client) = Start(new() { ["RateLimits:PerIpPerMinute"] = "1" });
        await using var _ = factory;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/health/live");
            statuses.Add(response.StatusCode);
            Assert.False(response.Headers.Contains("RateLimit"));
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task WrongMethodsAndUnknownRoutesCountAgainstTheIpBudgetAndCarryTheHeaders()
    {
        var (factory, client) = Start(new() { ["RateLimits:PerIpPerMinute"] = "2" });
        await using var _ = factory;

        using var wrongMethod = await client.PostAsync("/v1/accounts/me", null);
        using var unknownRoute = await client.GetAsync("/v1/nothing-here");
        using var limited = await client.DeleteAsync("/api/account");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("\"ip\";r=1;t=50", Header(wrongMethod, "RateLimit"));
        Assert.Equal(HttpStatusCode.NotFound, unknownRoute.StatusCode);
        Assert.Equal("\"ip\";r=0;t=50", Header(unknownRoute, "RateLimit"));
        var error = await ErrorEnvelopeTests.ErrorOfAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.Equal("RATE_LIMITED", error["code"]!.GetValue<string>());
        Assert.Equal("\"ip\";q=2;w=60", Header(limited, "RateLimit-Policy"));
    }

    private (AccountApiFactory Factory, HttpClient Client) Start(Dictionary<string, string?> settings)
    {
        var factory = new AccountApiFactory(Database.ConnectionString, settings, clock: _clock);
        return (factory, factory.StartKestrel());
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string credential, string? forwardedFor = null)
    {
        var request = AuthenticationTests.Request($"Bearer {credential}");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return client.SendAsync(request);
    }

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();
}
