using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Accounts;

public sealed class GetAccountTests(PostgresFixture database) : StripeTest(database)
{
    private static readonly StubCard Visa = new("pm_1abc2def3ghi", "visa", "4242", 12, 2027);
    private static readonly StubCard Mastercard = new("pm_mc", "mastercard", "4444", 3, 2030);

    [Fact]
    public async Task TheDefaultCardAndEachAppsSeatHaveTheExactOrbitKitShape()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        Stripe.Customer("cus_1").DefaultCard = Visa;
        await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "My Weather App", "--id", "-NtestApp123");
        await RunCliAsync("subscriptions", "set", "--app", "-NtestApp123", "--plan", "yearly", "--status", "active", "--cancel-at-period-end", "--period-end", "1767225600");
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();

        var json = await GetJsonAsync(client, "acc_1");

        AssertJson(
            """
            {"paymentMethod":{"id":"pm_1abc2def3ghi","brand":"visa","last4":"4242","expMonth":12,"expYear":2027},
             "subscriptions":[{"appId":"-NtestApp123","appName":"My Weather App","planType":"yearly","status":"active",
                               "cancelAtPeriodEnd":true,"currentPeriodEnd":1767225600}]}
            """,
            json);
        Assert.Equal(["/v1/customers/cus_1?expand[0]=invoice_settings.default_payment_method"], Stripe.Calls.Select(Uri.UnescapeDataString));
    }

    [Fact]
    public async Task WithoutADefaultCardTheCustomersFirstCardIsUsed()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        Stripe.Customer("cus_1").OtherCards.Add(Mastercard);
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();

        var json = await GetJsonAsync(client, "acc_1");

        AssertJson("""{"id":"pm_mc","brand":"mastercard","last4":"4444","expMonth":3,"expYear":2030}""", json["paymentMethod"]!);
        Assert.Equal(2, Stripe.CallsFor("cus_1"));
        Assert.Contains(Stripe.Calls, c => c.StartsWith("/v1/customers/cus_1/payment_methods?", StringComparison.Ordinal) && c.Contains("type=card", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADefaultPaymentMethodThatIsNotACardFallsBackToACard()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        var customer = Stripe.Customer("cus_1");
        customer.DefaultCard = new StubCard("pm_sepa", null, "", 0, 0);
        customer.OtherCards.Add(Mastercard);
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();

        var json = await GetJsonAsync(client, "acc_1");

        Assert.Equal("pm_mc", json["paymentMethod"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task ACustomerWithNoCardHasANullPaymentMethod()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        Stripe.Customer("cus_1");
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();

        var json = await GetJsonAsync(client, "acc_1");

        AssertJson("""{"paymentMethod":null,"subscriptions":[]}""", json);
    }

    [Fact]
    public async Task AnAccountWithoutAStripeCustomerMakesNoStripeCall()
    {
        await SeedAccountAsync("acc_1");
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();

        var json = await GetJsonAsync(client, "acc_1");

        AssertJson("""{"paymentMethod":null,"subscriptions":[]}""", json);
        Assert.Empty(Stripe.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnUnknownOrDeletedCustomerGivesANullPaymentMethodAndAWarning(bool deleted)
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_gone");
        if (deleted)
        {
            Stripe.Customer("cus_gone").Deleted = true;
        }

        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();

        var json = await GetJsonAsync(client, "acc_1");

        Assert.Null(json["paymentMethod"]);
        var state = deleted ? "deleted" : "unknown";
        Assert.Contains(factory.Logs, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains($"Stripe customer cus_gone is {state}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStripe500IsRetriedByStripeNetWithinTheBudget()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        var customer = Stripe.Customer("cus_1");
        customer.DefaultCard = Visa;
        customer.FailuresLeft = 1;
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();

        var json = await GetJsonAsync(client, "acc_1");

        Assert.Equal("pm_1abc2def3ghi", json["paymentMethod"]!["id"]!.GetValue<string>());
        Assert.Equal(2, Stripe.CallsFor("cus_1"));
    }

    [Fact]
    public async Task ASlowStripeWithNoCachedCardGets503WithinTheBudget()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        var customer = Stripe.Customer("cus_1");
        customer.DefaultCard = Visa;
        customer.Delay = TimeSpan.FromSeconds(10);
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings(TimeSpan.FromMilliseconds(500)));
        using var client = factory.CreateClient();
        await client.GetAsync("/health/live");

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}", "/api/account"));
        clock.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("PAYMENT_ERROR", error["code"]!.GetValue<string>());
        Assert.Equal("The payment provider is unavailable. Try again shortly.", error["message"]!.GetValue<string>());
        Assert.Equal("https://orbitkit.io/api/errors/#payment-error", error["docUrl"]!.GetValue<string>());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AStripeOutageAfterTheCacheExpiredIsAnsweredWithTheLastKnownCard()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        var customer = Stripe.Customer("cus_1");
        customer.DefaultCard = Visa;
        var settings = Stripe.Settings(TimeSpan.FromMilliseconds(500));
        settings["Stripe:CardCacheTtl"] = "00:00:00.200";
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        var warm = await GetJsonAsync(client, "acc_1");
        await Task.Delay(400);
        customer.FailuresLeft = 100;

        var clock = Stopwatch.StartNew();
        var stale = await GetJsonAsync(client, "acc_1");
        clock.Stop();

        Assert.True(JsonNode.DeepEquals(warm["paymentMethod"], stale["paymentMethod"]));
        Assert.True(Stripe.CallsFor("cus_1") >= 2, "the expired entry was not refreshed from Stripe");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AWarmRequestMakesNoStripeCall()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        Stripe.Customer("cus_1").DefaultCard = Visa;
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();
        await GetJsonAsync(client, "acc_1");
        var cold = Stripe.Calls.Count;

        await GetJsonAsync(client, "acc_1");
        await GetJsonAsync(client, "acc_1");

        Assert.Equal(1, cold);
        Assert.Single(Stripe.Calls);
    }

    [Fact]
    public async Task TwentyConcurrentColdRequestsMakeOneStripeCall()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        var customer = Stripe.Customer("cus_1");
        customer.DefaultCard = Visa;
        customer.Delay = TimeSpan.FromMilliseconds(300);
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();
        await client.GetAsync("/health/live");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => GetJsonAsync(client, "acc_1")));

        Assert.All(answers, a => Assert.Equal("pm_1abc2def3ghi", a["paymentMethod"]!["id"]!.GetValue<string>()));
        Assert.Single(Stripe.Calls);
    }

    [Fact]
    public async Task SubscriptionsAreOrderedByAppNameThenIdAndIncludeOnlyTheCallersApps()
    {
        await SeedAccountAsync("acc_1");
        await SeedAccountAsync("acc_2");
        await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "beta", "--id", "-Nb");
        await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "Alpha", "--id", "-Nz");
        await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "Alpha", "--id", "-Na");
        await RunCliAsync("apps", "create", "--account", "acc_2", "--name", "Aardvark", "--id", "-Nother");
        await RunCliAsync("subscriptions", "set", "--app", "-Nb", "--plan", "monthly", "--status", "past_due", "--period-end", "1700000000");
        await RunCliAsync("subscriptions", "set", "--app", "-Nz", "--plan", "yearly", "--status", "canceled");
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();

        var json = await GetJsonAsync(client, "acc_1");

        AssertJson(
            """
            [{"appId":"-Na","appName":"Alpha","planType":"monthly","status":"none","cancelAtPeriodEnd":false,"currentPeriodEnd":0},
             {"appId":"-Nz","appName":"Alpha","planType":"yearly","status":"canceled","cancelAtPeriodEnd":false,"currentPeriodEnd":0},
             {"appId":"-Nb","appName":"beta","planType":"monthly","status":"past_due","cancelAtPeriodEnd":false,"currentPeriodEnd":1700000000}]
            """,
            json["subscriptions"]!);
    }

    [Fact]
    public async Task AccountAndSeatsLoadInOneQuery()
    {
        await SeedAccountAsync("acc_1");
        for (var i = 0; i < 5; i++)
        {
            await RunCliAsync("apps", "create", "--account", "acc_1", "--name", $"App {i}");
        }

        var settings = Stripe.Settings();
        settings[DatabaseStatements.Logged.Key] = DatabaseStatements.Logged.Value;
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        using var response = await client.SendAsync(
            DatabaseStatements.Tagged(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}", "/api/account"), out var requestId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["subscriptions"]!.AsArray().Count);
        Assert.Single(DatabaseStatements.InRequest(factory.Logs, requestId));
    }

    [Fact]
    public async Task WithoutAStripeKeyTheServiceWarnsOnceAndShowsNoCard()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        Stripe.Customer("cus_1").DefaultCard = Visa;
        await using var factory = new AccountApiFactory(Database.ConnectionString);
        using var client = factory.CreateClient();

        var json = await GetJsonAsync(client, "acc_1");

        Assert.Null(json["paymentMethod"]);
        Assert.Empty(Stripe.Calls);
        Assert.Single(factory.Logs, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("No Stripe:SecretKey", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AValidJwtForAMissingAccountGetsNotFound()
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_missing")}", "/api/account"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NOT_FOUND", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnApiKeyCallerGetsItsOwnAccountDetails()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        await SeedAccountAsync("acc_2", a => a.StripeCustomerId = "cus_2");
        Stripe.Customer("cus_1").DefaultCard = Visa;
        Stripe.Customer("cus_2").DefaultCard = Mastercard;
        var key = await SeedKeyAsync("acc_2");
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {key}", "/api/account"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pm_mc", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["paymentMethod"]!["id"]!.GetValue<string>());
        Assert.Equal(0, Stripe.CallsFor("cus_1"));
    }

    private static async Task<JsonNode> GetJsonAsync(HttpClient client, string accountId)
    {
        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt(accountId)}", "/api/account"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return JsonNode.Parse(body)!;
    }

    private static void AssertJson(string expected, JsonNode actual)
    {
        var expectedNode = JsonNode.Parse(expected)!;
        Assert.True(JsonNode.DeepEquals(expectedNode, actual), $"expected {expectedNode.ToJsonString()}\nactual   {actual.ToJsonString()}");
    }
}
