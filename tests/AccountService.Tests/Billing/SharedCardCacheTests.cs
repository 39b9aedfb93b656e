using System.Net;
using System.Text.Json.Nodes;
using AccountService.Billing;
using AccountService.Callers;
using AccountService.Redis;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AccountService.Tests.Billing;

/// <summary>Two replicas sharing Redis as the card cache's second level, and dropping forgotten cards together.</summary>
public sealed class SharedCardCacheTests(PostgresFixture database) : IntegrationTest(database)
{
    private static readonly StubCard Visa = new("pm_visa", "visa", "4242", 12, 2030);
    private static readonly StubCard Amex = new("pm_amex", "amex", "0005", 1, 2031);

    [Fact]
    public async Task ACardFetchedByOneReplicaIsServedByTheOtherWithoutAskingStripe()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        var key = await SeedKeyAsync("acc_1");
        await using var stripe = await StripeStub.StartAsync();
        stripe.Customer("cus_1").DefaultCard = Visa;
        await using var redis = await RedisServer.StartAsync();
        await using var a = Replica(stripe, redis);
        await using var b = Replica(stripe, redis);
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();

        var fromA = await CardAsync(clientA, key);
        var fromB = await CardAsync(clientB, key);

        Assert.Equal(("pm_visa", "pm_visa"), (fromA, fromB));
        Assert.Equal(1, stripe.CallsFor("cus_1"));
    }

    [Fact]
    public async Task ACardForgottenOnOneReplicaIsDroppedOnEveryReplica()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        var key = await SeedKeyAsync("acc_1");
        await using var stripe = await StripeStub.StartAsync();
        stripe.Customer("cus_1").DefaultCard = Visa;
        await using var redis = await RedisServer.StartAsync();
        await using var a = Replica(stripe, redis);
        await using var b = Replica(stripe, redis);
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        Assert.Equal("pm_visa", await CardAsync(clientA, key));
        Assert.Equal("pm_visa", await CardAsync(clientB, key));

        stripe.Customer("cus_1").DefaultCard = Amex;
        await a.Services.GetRequiredService<IBillingLookup>().ForgetCardAsync("cus_1", CancellationToken.None);
        await b.SeenAllChangesAsync();

        Assert.Equal("pm_amex", await CardAsync(clientB, key));
        Assert.Equal("pm_amex", await CardAsync(clientA, key));
    }

    [Fact]
    public async Task RedisIsConnectedBeforeTheChangeListenerDropsSharedCardsThroughIt()
    {
        await using var stripe = await StripeStub.StartAsync();
        await using var redis = await RedisServer.StartAsync();
        await using var replica = Replica(stripe, redis);
        await replica.ListeningAsync();

        // Hosted services start in this order. The listener's first connection drops the shared cards (they may have
        // changed while this replica was not listening) through Redis, which must be connected by then, however
        // quickly the database answers.
        var started = replica.Services.GetServices<IHostedService>().ToList();
        var redisAt = started.FindIndex(service => service is SharedRedis);
        var listenerAt = started.FindIndex(service => service is ChangeListener);
        Assert.True(redisAt >= 0 && redisAt < listenerAt, $"Redis starts at {redisAt}, the change listener at {listenerAt}");
        Assert.DoesNotContain(replica.Logs, line => line.Contains("Could not drop a cached card", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithRedisDownCardsAreStillServed()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        var key = await SeedKeyAsync("acc_1");
        await using var stripe = await StripeStub.StartAsync();
        stripe.Customer("cus_1").DefaultCard = Visa;
        await using var redis = await RedisServer.StartAsync();
        await using var a = Replica(stripe, redis);
        using var client = a.CreateClient();

        await redis.StopAsync();

        Assert.Equal("pm_visa", await CardAsync(client, key));
        Assert.Equal("pm_visa", await CardAsync(client, key));
    }

    private AccountApiFactory Replica(StripeStub stripe, RedisServer redis)
    {
        return new AccountApiFactory(Database.ConnectionString, stripe.Settings(), redis: redis);
    }

    private static async Task<string?> CardAsync(HttpClient client, string key)
    {
        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {key}", "/api/account"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())?["paymentMethod"]?["id"]?.GetValue<string>();
    }
}
