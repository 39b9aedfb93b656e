using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AccountService.Billing;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace AccountService.Tests.Billing;

/// <summary>POST /webhooks/stripe through the real pipeline: signatures computed here, Stripe-shaped JSON, real PostgreSQL.</summary>
public sealed class StripeWebhookTests(PostgresFixture database) : StripeTest(database)
{
    private const long T0 = 1_780_000_000;

    [Fact]
    public async Task ASignedSubscriptionUpdateSetsTheLinkedSeatsAsStripeHasThem()
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await SeedSeatAsync("acc_1", "-Napp2", "sub_1");
        await SeedSeatAsync("acc_1", "-Nother", "sub_other");
        await using var factory = Start();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event(
            "evt_1", "customer.subscription.updated", T0,
            StripeEvents.Subscription("sub_1", "past_due", "year", cancelAtPeriodEnd: true, periodEnd: 1_812_345_678))));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        foreach (var app in new[] { "-Napp1", "-Napp2" })
        {
            Assert.Equal(new SeatState(PlanType.Yearly, SubscriptionStatus.PastDue, true, DateTimeOffset.FromUnixTimeSeconds(1_812_345_678)), await SeatAsync(app));
        }

        Assert.Equal(new SeatState(PlanType.Monthly, SubscriptionStatus.None, false, null), await SeatAsync("-Nother"));
    }

    [Fact]
    public async Task TheChangeReachesTheAccountEndpointServedFromMemory()
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        var key = await SeedKeyAsync("acc_1");
        await using var factory = Start();
        using var client = factory.CreateClient();
        Assert.Equal("none", (await AccountAsync(client, key))["subscriptions"]![0]!["status"]!.GetValue<string>());

        using var response = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event(
            "evt_1", "customer.subscription.created", T0, StripeEvents.Subscription("sub_1", "trialing", "year", periodEnd: 1_812_345_678))));
        var seat = (await AccountAsync(client, key))["subscriptions"]![0]!;

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(("active", "yearly", 1_812_345_678L), (seat["status"]!.GetValue<string>(), seat["planType"]!.GetValue<string>(), seat["currentPeriodEnd"]!.GetValue<long>()));
    }

    [Theory]
    [InlineData("customer.subscription.updated", "active", "active")]
    [InlineData("customer.subscription.updated", "trialing", "active")]
    [InlineData("customer.subscription.updated", "past_due", "past_due")]
    [InlineData("customer.subscription.updated", "unpaid", "past_due")]
    [InlineData("customer.subscription.updated", "canceled", "canceled")]
    [InlineData("customer.subscription.updated", "incomplete_expired", "canceled")]
    [InlineData("customer.subscription.updated", "incomplete", "none")]
    [InlineData("customer.subscription.updated", "paused", "none")]
    [InlineData("customer.subscription.deleted", "active", "canceled")]
    [InlineData("customer.subscription.deleted", "canceled", "canceled")]
    public async Task EachStripeStatusMapsToItsSeatStatus(string type, string stripeStatus, string seatStatus)
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1", SubscriptionStatus.PastDue);
        await using var factory = Start();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event("evt_1", type, T0, StripeEvents.Subscription("sub_1", stripeStatus))));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(seatStatus, AccountService.Data.StoredNames.SubscriptionStatus.ToText((await SeatAsync("-Napp1")).Status));
    }

    [Theory]
    [InlineData("month", "monthly")]
    [InlineData("year", "yearly")]
    public async Task ThePlanFollowsTheFirstItemsInterval(string interval, string planText)
    {
        var plan = AccountService.Data.StoredNames.PlanType.Parse(planText);
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1", plan: plan == PlanType.Monthly ? PlanType.Yearly : PlanType.Monthly);
        await using var factory = Start();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event("evt_1", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_1", interval: interval))));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(plan, (await SeatAsync("-Napp1")).PlanType);
    }

    public static TheoryData<string, Func<string, string?>> SignatureFailures => new()
    {
        { "missing", _ => null },
        { "empty", _ => "" },
        { "malformed", _ => "not-a-signature" },
        { "wrong secret", body => StripeEvents.Signature(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "whsec_someone_else") },
        { "tampered body", body => StripeEvents.Signature(body.Replace("past_due", "active", StringComparison.Ordinal), DateTimeOffset.UtcNow.ToUnixTimeSeconds()) },
        { "stale timestamp", body => StripeEvents.Signature(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 360) },
        { "future timestamp", body => StripeEvents.Signature(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 360) },
    };

    [Theory]
    [MemberData(nameof(SignatureFailures))]
    public async Task AnUnverifiedDeliveryIs400NamingTheHeaderAppliesNothingAndLogsNoBody(string failure, Func<string, string?> sign)
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await using var factory = Start();
        using var client = factory.CreateClient();
        var body = StripeEvents.Event("evt_marker_1234", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_1", "past_due"));

        using var response = await client.SendAsync(StripeEvents.Delivery(body, sign(body)));

        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, failure);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
        Assert.Equal("VALIDATION_FAILED", error["code"]!.GetValue<string>());
        Assert.Equal("Stripe-Signature", error["details"]![0]!["field"]!.GetValue<string>());
        Assert.Equal(SubscriptionStatus.None, (await SeatAsync("-Napp1")).Status);
        await using var db = CreateDbContext();
        Assert.Empty(await db.ProcessedStripeEvents.ToListAsync());
        Assert.DoesNotContain(factory.Logs, l => l.Contains("evt_marker_1234", StringComparison.Ordinal) || l.Contains(StripeEvents.Secret, StringComparison.Ordinal));
    }

    public static TheoryData<string, Func<string>> MalformedSignedDeliveries => new()
    {
        { "fractional timestamp", () => SignedAt(ValidEvent(), $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.5") },
        { "20-digit timestamp", () => SignedAt(ValidEvent(), "12345678901234567890") },
        { "event id over 255 characters", () => SignedAt(StripeEvents.Event("evt_" + new string('a', 252), "customer.subscription.updated", T0, StripeEvents.Subscription("sub_1"))) },
        { "NUL in the event id", () => SignedAt(StripeEvents.Event("evt_\u0000x", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_1"))) },
        { "NUL in the customer id", () => SignedAt(StripeEvents.Event("evt_1", "customer.updated", T0, StripeEvents.Customer("cus_\u0000x"))) },
        { "NUL in the subscription's customer", () => SignedAt(StripeEvents.Event("evt_1", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_1", customer: "cus_\u0000x"))) },
        { "NUL in the subscription id", () => SignedAt(StripeEvents.Event("evt_1", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_\u0000x"))) },
        { "lone surrogate in the subscription id", () => SignedAt(StripeEvents.Event("evt_1", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_LONE")).Replace("sub_LONE", "sub_\\ud800x", StringComparison.Ordinal)) },
    };

    [Theory]
    [MemberData(nameof(MalformedSignedDeliveries))]
    public async Task AMalformedButSignedDeliveryIs400InTheEnvelopeAndLogsNoError(string malformation, Func<string> delivery)
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await using var factory = Start();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(DeliveryOf(delivery()));

        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{malformation}: {(int)response.StatusCode}");
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
        Assert.Equal("VALIDATION_FAILED", error["code"]!.GetValue<string>());
        Assert.DoesNotContain(factory.Logs, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
        Assert.Equal(SubscriptionStatus.None, (await SeatAsync("-Napp1")).Status);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    [InlineData(null)]
    public async Task ASignedDeliveryNotSentAsJsonIs415InTheEnvelopeAndAppliesNothing(string? contentType)
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await using var factory = Start();
        using var client = factory.CreateClient();
        using var request = StripeEvents.Signed(ValidEvent());
        request.Content!.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(SubscriptionStatus.None, (await SeatAsync("-Napp1")).Status);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    [InlineData("APPLICATION/JSON; Charset=\"UTF-8\"")]
    public async Task ASignedDeliveryIsAcceptedAsJsonWhateverItsCaseAndCharsetParameter(string contentType)
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await using var factory = Start();
        using var client = factory.CreateClient();
        using var request = StripeEvents.Signed(ValidEvent());
        request.Content!.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(SubscriptionStatus.PastDue, (await SeatAsync("-Napp1")).Status);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("""{"hello":"world"}""")]
    [InlineData("""{"id":"cus_1","object":"customer"}""")]
    public async Task ASignedBodyThatIsNotAnEventIs400(string body)
    {
        await using var factory = Start();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(StripeEvents.Signed(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("VALIDATION_FAILED", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABodyOver512KiBIs413InTheEnvelope(bool chunked)
    {
        await using var factory = Start();
        using var client = factory.StartKestrel();
        var body = StripeEvents.Event("evt_big", "customer.updated", T0, new JsonObject { ["id"] = "cus_1", ["object"] = "customer", ["filler"] = new string('x', 600 * 1024) });
        using var request = StripeEvents.Signed(body);
        if (chunked)
        {
            request.Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body)));
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.TransferEncodingChunked = true;
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("VALIDATION_FAILED", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
        Assert.True(response.Headers.ConnectionClose, "a 413 must announce that the connection closes");
    }

    [Fact]
    public async Task ABodyOverTheServersUsualLimitButUnder512KiBIsAccepted()
    {
        await using var factory = Start();
        using var client = factory.StartKestrel();
        var body = StripeEvents.Event("evt_big", "customer.updated", T0, new JsonObject { ["id"] = "cus_1", ["object"] = "customer", ["filler"] = new string('x', 300 * 1024) });

        using var response = await client.SendAsync(StripeEvents.Signed(body));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task AChunkedBodyUnder512KiBIsAcceptedWhateverItsFraming()
    {
        await using var factory = Start();
        using var client = factory.StartKestrel();
        const int payloadBytes = 520_637;
        var empty = StripeEvents.Event("evt_chunked", "customer.updated", T0, new JsonObject { ["id"] = "cus_1", ["object"] = "customer", ["filler"] = "" });
        var body = StripeEvents.Event("evt_chunked", "customer.updated", T0, new JsonObject { ["id"] = "cus_1", ["object"] = "customer", ["filler"] = new string('x', payloadBytes - empty.Length) });
        Assert.Equal(payloadBytes, body.Length);

        // 1,000-byte chunks: the framing (size lines, CRLFs, the last chunk) takes the bytes on the wire past 512 KiB.
        var wire = new System.Text.StringBuilder()
            .Append("POST /webhooks/stripe HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n")
            .Append("Stripe-Signature: ").Append(StripeEvents.Signature(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds())).Append("\r\n")
            .Append("Transfer-Encoding: chunked\r\n\r\n");
        foreach (var chunk in body.Chunk(1000))
        {
            wire.Append(System.Globalization.CultureInfo.InvariantCulture, $"{chunk.Length:x}\r\n").Append(chunk).Append("\r\n");
        }

        wire.Append("0\r\n\r\n");
        Assert.True(wire.Length - wire.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal) - 4 > StripeWebhookVerifier.MaxBodyBytes);
        await using var raw = await RawHttp.ConnectAsync(client.BaseAddress!);

        await raw.SendAsync(wire.ToString());
        var response = await raw.ReadResponseAsync(TimeSpan.FromSeconds(10));

        Assert.True(response.Status == 204, $"{response.Status} {response.Body}");
    }

    [Fact]
    public async Task ARedeliveredEventAnswers2xxAndChangesNothing()
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await using var factory = Start();
        using var client = factory.CreateClient();
        var body = StripeEvents.Event("evt_1", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_1", "past_due"));
        using var first = await client.SendAsync(StripeEvents.Signed(body));

        // An operator changes the seat after the event was applied; the redelivery must not undo that.
        await RunCliAsync("subscriptions", "set", "--app", "-Napp1", "--plan", "monthly", "--status", "active", "--stripe-subscription", "sub_1");
        using var again = await client.SendAsync(StripeEvents.Signed(body));

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (first.StatusCode, again.StatusCode));
        Assert.Equal(SubscriptionStatus.Active, (await SeatAsync("-Napp1")).Status);
    }

    [Fact]
    public async Task AnEventOlderThanTheLastAppliedIsIgnored()
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await using var factory = Start();
        using var client = factory.CreateClient();

        using var newer = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event(
            "evt_2", "customer.subscription.updated", T0 + 60, StripeEvents.Subscription("sub_1", "past_due", periodEnd: 1_800_000_100))));
        using var older = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event(
            "evt_1", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_1", "active", periodEnd: 1_800_000_000))));

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (newer.StatusCode, older.StatusCode));
        Assert.Equal(new SeatState(PlanType.Monthly, SubscriptionStatus.PastDue, false, DateTimeOffset.FromUnixTimeSeconds(1_800_000_100)), await SeatAsync("-Napp1"));
    }

    [Fact]
    public async Task TenConcurrentDeliveriesOfOneEventApplyItOnce()
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await using var factory = Start();
        using var client = factory.CreateClient();
        var body = StripeEvents.Event("evt_1", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_1", "past_due"));
        using var gate = new SemaphoreSlim(0);

        var deliveries = Enumerable.Range(0, 10).Select(async _ =>
        {
            await gate.WaitAsync();
            using var response = await client.SendAsync(StripeEvents.Signed(body));
            return response.StatusCode;
        }).ToList();
        gate.Release(10);
        var statuses = await Task.WhenAll(deliveries);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.NoContent, s));
        Assert.Equal(SubscriptionStatus.PastDue, (await SeatAsync("-Napp1")).Status);
        Assert.Single(factory.Logs, l => l.Contains("Stripe subscription sub_1: Applied", StringComparison.Ordinal));
        Assert.Equal(9, factory.Logs.Count(l => l.Contains("Stripe subscription sub_1: Duplicate", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnUnknownEventTypeIs2xxIgnoredAndLoggedAtDebug()
    {
        await using var factory = Start();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event(
            "evt_1", "invoice.paid", T0, new JsonObject { ["id"] = "in_1", ["object"] = "invoice" })));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains(factory.Logs, l => l.StartsWith("Debug", StringComparison.Ordinal) && l.Contains("evt_1 (invoice.paid) ignored", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnEventNamingAnotherCustomerThanTheSeatsAccountIsSkippedWithAWarning()
    {
        await SeedAccountAsync("acc_alice", a => a.StripeCustomerId = "cus_alice");
        await SeedAccountAsync("acc_bob", a => a.StripeCustomerId = "cus_bob");
        await SeedSeatAsync("acc_bob", "-Nbob", "sub_bob1");
        await using var factory = Start();
        using var client = factory.CreateClient();

        using var foreign = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event(
            "evt_1", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_bob1", "canceled", customer: "cus_alice"))));

        Assert.Equal(HttpStatusCode.NoContent, foreign.StatusCode);
        Assert.Equal(SubscriptionStatus.None, (await SeatAsync("-Nbob")).Status);
        Assert.Single(factory.Logs, l => l.StartsWith("Warning", StringComparison.Ordinal)
            && l.Contains("sub_bob1", StringComparison.Ordinal) && l.Contains("cus_alice", StringComparison.Ordinal) && l.Contains("cus_bob", StringComparison.Ordinal));

        using var own = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event(
            "evt_2", "customer.subscription.updated", T0 + 1, StripeEvents.Subscription("sub_bob1", "past_due", customer: "cus_bob"))));

        Assert.Equal(HttpStatusCode.NoContent, own.StatusCode);
        Assert.Equal(SubscriptionStatus.PastDue, (await SeatAsync("-Nbob")).Status);
    }

    [Fact]
    public async Task AnEventForAnUnknownSubscriptionIs2xxAndChangesNoSeat()
    {
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        await using var factory = Start();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event(
            "evt_1", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_unknown", "canceled"))));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(SubscriptionStatus.None, (await SeatAsync("-Napp1")).Status);
        Assert.Contains(factory.Logs, l => l.StartsWith("Debug", StringComparison.Ordinal) && l.Contains("no seat or account refers to sub_unknown", StringComparison.Ordinal));
    }

    public static TheoryData<string> CardEvents => new()
    {
        "customer.updated",
        "payment_method.updated",
        "payment_method.attached",
        "payment_method.automatically_updated",
        "payment_method.detached",
    };

    [Theory]
    [MemberData(nameof(CardEvents))]
    public async Task ACardEventShowsTheCustomersNewCardOnTheNextRequest(string type)
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        var key = await SeedKeyAsync("acc_1");
        Stripe.Customer("cus_1").DefaultCard = new StubCard("pm_old", "visa", "4242", 12, 2027);
        await using var factory = Start();
        using var client = factory.CreateClient();
        Assert.Equal("pm_old", (await AccountAsync(client, key))["paymentMethod"]!["id"]!.GetValue<string>());
        Stripe.Customer("cus_1").DefaultCard = new StubCard("pm_new", "mastercard", "4444", 3, 2030);
        Assert.Equal("pm_old", (await AccountAsync(client, key))["paymentMethod"]!["id"]!.GetValue<string>());

        var dataObject = type == "customer.updated" ? StripeEvents.Customer("cus_1")
            : StripeEvents.PaymentMethod("pm_new", type == "payment_method.detached" ? null : "cus_1");
        var previous = type == "payment_method.detached" ? new JsonObject { ["customer"] = "cus_1" } : null;
        using var response = await client.SendAsync(StripeEvents.Signed(StripeEvents.Event("evt_1", type, T0, dataObject, previous)));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("pm_new", (await AccountAsync(client, key))["paymentMethod"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task SignedDeliveriesSpendNoPerIpBudgetWhileFailedOnesDo()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero));
        await SeedSeatAsync("acc_1", "-Napp1", "sub_1");
        var settings = Stripe.Settings(webhooks: true);
        settings["RateLimits:PerIpPerMinute"] = "5";
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings, clock: clock);
        using var client = factory.StartKestrel();

        var signed = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.SendAsync(StripeEvents.Signed(
                StripeEvents.Event($"evt_{i}", "customer.subscription.updated", T0 + i, StripeEvents.Subscription("sub_1")), clock.GetUtcNow()));
            signed.Add(response.StatusCode);
        }

        var forged = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.SendAsync(StripeEvents.Delivery("{}", "t=1,v1=00"));
            forged.Add(response.StatusCode);
        }

        using var afterSpent = await client.SendAsync(StripeEvents.Signed(
            StripeEvents.Event("evt_late", "customer.subscription.updated", T0 + 99, StripeEvents.Subscription("sub_1")), clock.GetUtcNow()));

        Assert.All(signed, s => Assert.Equal(HttpStatusCode.NoContent, s));
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.BadRequest, 5), HttpStatusCode.TooManyRequests], forged);
        Assert.Equal(HttpStatusCode.NoContent, afterSpent.StatusCode);
    }

    [Fact]
    public async Task WithoutAWebhookSecretTheRouteIs404AndTheStartWarnsOnce()
    {
        await using var factory = new AccountApiFactory(Database.ConnectionString, Stripe.Settings());
        using var client = factory.CreateClient();
        var body = StripeEvents.Event("evt_1", "customer.updated", T0, StripeEvents.Customer("cus_1"));

        using var response = await client.SendAsync(StripeEvents.Signed(body));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NOT_FOUND", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
        Assert.Single(factory.Logs, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Stripe:WebhookSecret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProcessedEventRecordsArePurgedAfter30Days()
    {
        await using var factory = Start();
        _ = factory.Services;
        await using (var db = CreateDbContext())
        {
            db.ProcessedStripeEvents.AddRange(
                new ProcessedStripeEvent { EventId = "evt_old", Type = "customer.updated", Created = DateTimeOffset.UtcNow.AddDays(-31), ProcessedAt = DateTimeOffset.UtcNow.AddDays(-31) },
                new ProcessedStripeEvent { EventId = "evt_recent", Type = "customer.updated", Created = DateTimeOffset.UtcNow.AddDays(-29), ProcessedAt = DateTimeOffset.UtcNow.AddDays(-29) });
            await db.SaveChangesAsync();
        }

        var purged = await factory.Services.GetRequiredService<ProcessedStripeEvents>().PurgeAsync(CancellationToken.None);

        await using var check = CreateDbContext();
        Assert.Equal(1, purged);
        Assert.Equal(["evt_recent"], await check.ProcessedStripeEvents.Select(e => e.EventId).ToListAsync());
    }

    private static string ValidEvent() =>
        StripeEvents.Event("evt_1", "customer.subscription.updated", T0, StripeEvents.Subscription("sub_1", "past_due"));

    // The body, then the header line, separated by a newline; the JSON of an event holds none. The signature is
    // computed over the timestamp exactly as written, so only the timestamp's form is wrong.
    private static string SignedAt(string body, string? t = null)
    {
        t ??= DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mac = System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(StripeEvents.Secret), System.Text.Encoding.UTF8.GetBytes($"{t}.{body}"));
        return $"{body}\nt={t},v1={Convert.ToHexStringLower(mac)}";
    }

    private static HttpRequestMessage DeliveryOf(string signed)
    {
        var at = signed.LastIndexOf('\n');
        return StripeEvents.Delivery(signed[..at], signed[(at + 1)..]);
    }

    // Ignored events are logged at debug, which the service's defaults leave out.
    private AccountApiFactory Start() => new(
        Database.ConnectionString,
        new Dictionary<string, string?>(Stripe.Settings(webhooks: true)) { ["Logging:LogLevel:AccountService.Billing"] = "Debug" });

    private async Task<SeatState> SeatAsync(string appId)
    {
        await using var db = CreateDbContext();
        return SeatState.Of(await db.AppSubscriptions.AsNoTracking().SingleAsync(s => s.AppId == appId));
    }

    private static async Task<JsonNode> AccountAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/account");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!;
    }
}
