using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using AccountService.Billing;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using Xunit.Abstractions;

namespace AccountService.Tests.Billing;

/// <summary>
/// <c>GET /api/account</c> against a Stripe stand-in that fails per customer or all at once: what opens the breaker,
/// what is answered while it is open, the single probe that closes it, and the last known cards that outlive a restart.
/// Every lookup here asks Stripe (a 1 ms card cache), so the stand-in's call log shows each decision.
/// </summary>
public sealed class StripeBreakerTests(PostgresFixture database, ITestOutputHelper output) : StripeTest(database)
{
    // What the issue asks of an answer while the breaker is open; every one measured here is also checked to make no
    // Stripe call, which is what the figure stands for.
    private static readonly TimeSpan OpenBreakerAnswer = TimeSpan.FromMilliseconds(100);

    private static readonly StubCard Visa = new("pm_visa", "visa", "4242", 12, 2027);

    [Fact]
    public async Task ASlowCustomerDoesNotDenyAColdHealthyCustomerRightAfter()
    {
        await SeedCustomerAsync("slow", Visa);
        await SeedCustomerAsync("healthy", Visa);
        Stripe.Customer("cus_slow").Delay = TimeSpan.FromSeconds(5);
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.BreakerSettings(TimeSpan.FromMilliseconds(500), minimumThroughput: 2));
        using var client = factory.CreateClient();

        var slow = await GetAsync(client, "slow");
        var healthy = await GetAsync(client, "healthy");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, slow.Status);
        Assert.Equal(HttpStatusCode.OK, healthy.Status);
        Assert.Equal("pm_visa", CardId(healthy));
        Assert.Equal(1, Stripe.CallsFor("cus_healthy"));
    }

    [Fact]
    public async Task OneCustomersRepeatedFailuresNeverDenyOtherCustomers()
    {
        await SeedCustomerAsync("failing", Visa);
        await SeedCustomerAsync("healthy", Visa);
        var failing = Stripe.Customer("cus_failing");
        failing.FailuresLeft = int.MaxValue;
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.BreakerSettings(TimeSpan.FromSeconds(2), minimumThroughput: 2));
        using var client = factory.CreateClient();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync(client, "failing")).Status);
        }

        var healthy = await GetAsync(client, "healthy");

        Assert.Equal(10, Stripe.CallsFor("cus_failing"));
        Assert.Equal(HttpStatusCode.OK, healthy.Status);
        Assert.Equal(1, Stripe.CallsFor("cus_healthy"));
    }

    [Fact]
    public async Task OneCustomersRepeatedTimeoutsNeverOpenTheBreakerForOthers()
    {
        await SeedCustomerAsync("slow", Visa);
        await SeedCustomerAsync("healthy", Visa);

        // Never released: every lookup of this customer runs out its time budget at Stripe.
        Stripe.Customer("cus_slow").Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.BreakerSettings(TimeSpan.FromSeconds(1), minimumThroughput: 2));
        using var client = factory.CreateClient();
        var breaker = factory.Services.GetRequiredService<CircuitBreakerStateProvider>();

        var timedOut = new List<Answer>();
        for (var i = 0; i < 5; i++)
        {
            timedOut.Add(await GetAsync(client, "slow"));
        }

        var afterTimeouts = breaker.CircuitState;
        var healthy = await GetAsync(client, "healthy");

        Assert.All(timedOut, a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status));
        Assert.Equal(5, Stripe.CallsFor("cus_slow"));
        Assert.Equal(CircuitState.Closed, afterTimeouts);
        Assert.Equal(HttpStatusCode.OK, healthy.Status);
        Assert.Equal("pm_visa", CardId(healthy));
        Assert.Equal(1, Stripe.CallsFor("cus_healthy"));
        Assert.Equal(CircuitState.Closed, breaker.CircuitState);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(400)]
    public async Task ClientErrorsAboutSingleCustomersAskedFiftyTimesNeverOpenTheBreaker(int status)
    {
        var customers = Enumerable.Range(0, 5).Select(i => $"bad{i}").ToList();
        foreach (var customer in customers)
        {
            await SeedCustomerAsync(customer, card: null);
            if (status != 404)
            {
                var stub = Stripe.Customer($"cus_{customer}");
                stub.FailureStatus = status;
                stub.FailuresLeft = int.MaxValue;
            }
        }

        await SeedCustomerAsync("healthy", Visa);
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.BreakerSettings(TimeSpan.FromSeconds(2), minimumThroughput: 2));
        using var client = factory.CreateClient();

        for (var i = 0; i < 50; i++)
        {
            var answer = await GetAsync(client, customers[i % customers.Count]);
            Assert.Equal(status == 404 ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, answer.Status);
        }

        var healthy = await GetAsync(client, "healthy");

        Assert.Equal(50, customers.Sum(c => Stripe.CallsFor($"cus_{c}")));
        Assert.Equal(HttpStatusCode.OK, healthy.Status);
        Assert.Equal("pm_visa", CardId(healthy));
        Assert.Equal(1, Stripe.CallsFor("cus_healthy"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnOutageOpensTheBreakerAtTheConfiguredRatioThenKnownCardsAreServedAndOthersRefusedAtOnce(bool hanging)
    {
        await SeedCustomerAsync("known", Visa);
        foreach (var cold in new[] { "cold1", "cold2", "cold3", "cold4" })
        {
            await SeedCustomerAsync(cold, Visa);
        }

        // Ratio 0.5 over at least 4 lookups: one success and three failures open it, not fewer.
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.BreakerSettings(TimeSpan.FromSeconds(1), minimumThroughput: 4));
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "known")).Status);
        Stripe.Outage = hanging ? StubOutage.Hanging : StubOutage.ServerErrors;

        var beforeOpening = new[] { await GetAsync(client, "cold1"), await GetAsync(client, "cold2"), await GetAsync(client, "cold3") };
        var callsWhenOpened = Stripe.Calls.Count;
        var known = await GetAsync(client, "known");
        var unknown = await GetAsync(client, "cold4");

        output.WriteLine($"while open: known card in {known.Elapsed.TotalMilliseconds:F1} ms, unknown card refused in {unknown.Elapsed.TotalMilliseconds:F1} ms");
        Assert.All(beforeOpening, a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status));
        Assert.Equal(1, Stripe.CallsFor("cus_cold3"));
        Assert.Equal(HttpStatusCode.OK, known.Status);
        Assert.Equal("pm_visa", CardId(known));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unknown.Status);
        Assert.Equal("PAYMENT_ERROR", unknown.Json["error"]!["code"]!.GetValue<string>());
        Assert.Equal("5", unknown.RetryAfter);
        Assert.Equal(callsWhenOpened, Stripe.Calls.Count);
        Assert.All(new[] { known, unknown }, a => Assert.True(a.Elapsed < OpenBreakerAnswer, $"took {a.Elapsed.TotalMilliseconds} ms"));
    }

    [Fact]
    public async Task AfterTheCooldownOneProbeAsksStripeAndItsAnswerClosesTheBreaker()
    {
        var cooldown = TimeSpan.FromSeconds(1);
        await SeedCustomerAsync("known", Visa);
        foreach (var cold in new[] { "cold1", "cold2", "cold3", "probe", "waiting" })
        {
            await SeedCustomerAsync(cold, Visa);
        }

        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.BreakerSettings(TimeSpan.FromSeconds(5), minimumThroughput: 4, cooldown));
        using var client = factory.CreateClient();
        await GetAsync(client, "known");
        Stripe.Outage = StubOutage.ServerErrors;
        foreach (var cold in new[] { "cold1", "cold2", "cold3" })
        {
            await GetAsync(client, cold);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync(client, "waiting")).Status);
        Assert.Equal(0, Stripe.CallsFor("cus_waiting"));

        // Stripe is back, but holds the probe's answer until the test has seen what others get meanwhile.
        Stripe.Outage = StubOutage.None;
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Stripe.Customer("cus_probe").Hold = hold;
        await Task.Delay(cooldown + TimeSpan.FromMilliseconds(200));
        var probe = GetAsync(client, "probe");
        await Stripe.WaitForCallAsync("cus_probe", seen: 0);
        var callsDuringProbe = Stripe.Calls.Count;
        var othersDuringProbe = new[] { await GetAsync(client, "waiting"), await GetAsync(client, "cold1"), await GetAsync(client, "known") };
        var callsAfterOthers = Stripe.Calls.Count;
        hold.SetResult();
        var probed = await probe;
        var afterProbe = await GetAsync(client, "waiting");

        Assert.Equal(callsDuringProbe, callsAfterOthers);
        Assert.Equal(
            [HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK],
            othersDuringProbe.Select(a => a.Status));
        Assert.Equal(HttpStatusCode.OK, probed.Status);
        Assert.Equal("pm_visa", CardId(probed));
        Assert.Equal(HttpStatusCode.OK, afterProbe.Status);
        Assert.Equal(1, Stripe.CallsFor("cus_waiting"));
    }

    [Fact]
    public async Task ARestartDuringAStripeOutageServesTheLastKnownCard()
    {
        await SeedCustomerAsync("known", Visa);
        await SeedCustomerAsync("never_seen", Visa);
        var settings = Stripe.BreakerSettings(TimeSpan.FromSeconds(1), minimumThroughput: 10);
        await using (var before = new AccountApiFactory(Database.ConnectionString, settings))
        {
            using var client = before.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "known")).Status);
        }

        Stripe.Outage = StubOutage.ServerErrors;
        await using var after = new AccountApiFactory(Database.ConnectionString, settings);
        using var restarted = after.CreateClient();

        var known = await GetAsync(restarted, "known");
        var neverSeen = await GetAsync(restarted, "never_seen");

        Assert.Equal(2, Stripe.CallsFor("cus_known"));
        Assert.Equal(HttpStatusCode.OK, known.Status);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"id":"pm_visa","brand":"visa","last4":"4242","expMonth":12,"expYear":2027}"""),
            known.Json["paymentMethod"]));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, neverSeen.Status);
    }

    [Fact]
    public async Task TheStoredLastKnownCardHoldsOnlyWhatOrbitKitShows()
    {
        await SeedCustomerAsync("known", Visa);
        await SeedCustomerAsync("cardless", card: null);
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.BreakerSettings(TimeSpan.FromSeconds(2), minimumThroughput: 10));
        using var client = factory.CreateClient();

        await GetAsync(client, "known");
        await GetAsync(client, "cardless");

        await using var db = CreateDbContext();
        var rows = db.LastKnownCards.OrderBy(c => c.StripeCustomerId)
            .Select(c => $"{c.StripeCustomerId} {c.PaymentMethodId} {c.Brand} {c.Last4} {c.ExpMonth} {c.ExpYear}")
            .ToList();
        Assert.Equal(["cus_cardless     ", "cus_known pm_visa visa 4242 12 2027"], rows);
        var columns = await db.Database
            .SqlQuery<string>($"SELECT column_name::text AS \"Value\" FROM information_schema.columns WHERE table_name = 'last_known_cards' ORDER BY ordinal_position")
            .ToListAsync();
        Assert.Equal(["stripe_customer_id", "payment_method_id", "brand", "last4", "exp_month", "exp_year", "updated_at"], columns);
    }

    [Fact]
    public async Task ForgettingACustomersCardMakesTheNextLookupAskStripe()
    {
        await SeedCustomerAsync("known", Visa);
        var settings = Stripe.BreakerSettings(TimeSpan.FromSeconds(2), minimumThroughput: 10);
        settings["Stripe:CardCacheTtl"] = "00:05:00";
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        await GetAsync(client, "known");
        await GetAsync(client, "known");
        var callsWhileCached = Stripe.CallsFor("cus_known");

        await factory.Services.GetRequiredService<IBillingLookup>().ForgetCardAsync("cus_known", CancellationToken.None);
        var storedAfterForgetting = CreateDbContext().LastKnownCards.Count();
        var answer = await GetAsync(client, "known");

        Assert.Equal(1, callsWhileCached);
        Assert.Equal(0, storedAfterForgetting);
        Assert.Equal("pm_visa", CardId(answer));
        Assert.Equal(2, Stripe.CallsFor("cus_known"));
    }

    // Account acc_{name} billed to Stripe customer cus_{name}; with a card unless null.
    private async Task SeedCustomerAsync(string name, StubCard? card)
    {
        await SeedAccountAsync($"acc_{name}", a => a.StripeCustomerId = $"cus_{name}");
        if (card is not null)
        {
            Stripe.Customer($"cus_{name}").DefaultCard = card;
        }
    }

    private static async Task<Answer> GetAsync(HttpClient client, string name)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt($"acc_{name}")}", "/api/account"));
        var body = await response.Content.ReadAsStringAsync();
        clock.Stop();
        return new Answer(
            response.StatusCode,
            JsonNode.Parse(body)!,
            response.Headers.TryGetValues("Retry-After", out var retryAfter) ? retryAfter.Single() : null,
            clock.Elapsed);
    }

    private static string? CardId(Answer answer) => answer.Json["paymentMethod"]?["id"]?.GetValue<string>();

    private sealed record Answer(HttpStatusCode Status, JsonNode Json, string? RetryAfter, TimeSpan Elapsed);
}
