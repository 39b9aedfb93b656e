using System.Net;
using System.Text.Json.Nodes;
using AccountService.Billing;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Tests.Billing;

/// <summary><c>stripe sync</c> against a Stripe stand-in serving <c>GET /v1/subscriptions/{id}</c>.</summary>
public sealed class StripeSyncCommandTests(PostgresFixture database) : StripeTest(database)
{
    [Fact]
    public async Task SyncAppliesEveryLinkedSubscriptionAndPrintsWhatChanged()
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await SeedSeatAsync("acc_2", "-Napp2", "sub_2");
        await SeedSeatAsync("acc_2", "-Nunlinked", null);
        Stripe.Subscription(StripeEvents.Subscription("sub_1", "past_due", "year", cancelAtPeriodEnd: true, periodEnd: 1_812_345_678));
        Stripe.Subscription(StripeEvents.Subscription("sub_2", "active", "month", periodEnd: 1_800_000_000));

        var result = await RunCliWithAsync(Stripe.Settings(), "stripe", "sync", "--json");

        Assert.Equal(0, result.ExitCode);
        var json = JsonNode.Parse(result.Output)!;
        Assert.Equal(2, json["subscriptions"]!.GetValue<int>());
        var changed = json["changed"]!.AsArray().Select(c => (c!["appId"]!.GetValue<string>(), c["after"]!["status"]!.GetValue<string>())).Order().ToList();
        Assert.Equal([("-Napp1", "past_due"), ("-Napp2", "active")], changed);
        Assert.Equal(new SeatState(PlanType.Yearly, SubscriptionStatus.PastDue, true, DateTimeOffset.FromUnixTimeSeconds(1_812_345_678)), await SeatAsync("-Napp1"));
        Assert.Equal(new SeatState(PlanType.Monthly, SubscriptionStatus.Active, false, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)), await SeatAsync("-Napp2"));
        Assert.Equal(SubscriptionStatus.None, (await SeatAsync("-Nunlinked")).Status);
    }

    [Fact]
    public async Task SyncOfOneAccountAsksStripeOnlyForItsSubscriptions()
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await SeedSeatAsync("acc_2", "-Napp2", "sub_2");
        Stripe.Subscription(StripeEvents.Subscription("sub_1", "canceled"));
        Stripe.Subscription(StripeEvents.Subscription("sub_2", "canceled"));

        var result = await RunCliWithAsync(Stripe.Settings(), "stripe", "sync", "--account", "acc_1");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("app -Napp1 (sub_1): monthly none until - -> monthly canceled until 1800000000", result.Output, StringComparison.Ordinal);
        Assert.Equal(["/v1/subscriptions/sub_1"], Stripe.Calls);
        Assert.Equal(SubscriptionStatus.None, (await SeatAsync("-Napp2")).Status);
    }

    [Fact]
    public async Task ASyncedSeatAndAWebhookDeliveredSeatAgree()
    {
        var subscription = StripeEvents.Subscription("sub_1", "unpaid", "year", cancelAtPeriodEnd: true, periodEnd: 1_812_345_678);
        await SeedSeatAsync("acc_1", "-Nsynced", "sub_1");
        Stripe.Subscription(subscription);
        await RunCliWithAsync(Stripe.Settings(), "stripe", "sync");
        await SeedSeatAsync("acc_2", "-Ndelivered", "sub_1b");
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings(webhooks: true));
        using var client = factory.CreateClient();
        subscription["id"] = "sub_1b";

        using var response = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event("evt_1", "customer.subscription.updated", 1_780_000_000, subscription)));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(await SeatAsync("-Nsynced"), await SeatAsync("-Ndelivered"));
    }

    [Fact]
    public async Task AnEventCreatedBeforeTheSyncDoesNotUndoIt()
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        Stripe.Subscription(StripeEvents.Subscription("sub_1", "canceled"));
        await RunCliWithAsync(Stripe.Settings(), "stripe", "sync");
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings(webhooks: true));
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event(
            "evt_late", "customer.subscription.updated", DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), StripeEvents.Subscription("sub_1", "active"))));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(SubscriptionStatus.Canceled, (await SeatAsync("-Napp1")).Status);
    }

    [Fact]
    public async Task WhenStripeFailsNothingIsWrittenAndTheExitCodeIs1()
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await SeedSeatAsync("acc_1", "-Napp2", "sub_2");
        Stripe.Subscription(StripeEvents.Subscription("sub_1", "canceled"));
        var settings = Stripe.Settings();
        settings["Stripe:MaxNetworkRetries"] = "0";

        // sub_2 is unknown to the stand-in: a 404 leaves its seat alone; a 500 stops the command.
        var missing = await RunCliWithAsync(settings, "stripe", "sync", "--json");
        Stripe.Outage = StubOutage.ServerErrors;
        await RunCliAsync("subscriptions", "set", "--app", "-Napp1", "--plan", "monthly", "--status", "active", "--stripe-subscription", "sub_1");
        var failed = await RunCliWithAsync(settings, "stripe", "sync");

        Assert.Equal(0, missing.ExitCode);
        Assert.Equal(["sub_2"], JsonNode.Parse(missing.Output)!["missing"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(1, failed.ExitCode);
        Assert.StartsWith("error: Stripe answered 500 for sub_1", failed.Error, StringComparison.Ordinal);
        Assert.Equal(SubscriptionStatus.Active, (await SeatAsync("-Napp1")).Status);
    }

    [Fact]
    public async Task BadInputAndMissingSettingsFailWithTheUsualExitCodes()
    {
        var unknownAccount = await RunCliWithAsync(Stripe.Settings(), "stripe", "sync", "--account", "acc_nobody");
        var badId = await RunCliWithAsync(Stripe.Settings(), "stripe", "sync", "--account", "bad id!");
        var noKey = await RunCliAsync("stripe", "sync");

        Assert.Equal((1, "error: account acc_nobody not found"), (unknownAccount.ExitCode, unknownAccount.Error.Trim()));
        Assert.Equal(2, badId.ExitCode);
        Assert.Equal((1, "error: Stripe:SecretKey is not configured"), (noKey.ExitCode, noKey.Error.Trim()));
    }

    private async Task<SeatState> SeatAsync(string appId)
    {
        await using var db = CreateDbContext();
        return SeatState.Of(await db.AppSubscriptions.AsNoTracking().SingleAsync(s => s.AppId == appId));
    }
}
