using System.Globalization;
using System.IO.Hashing;
using System.Net;
using System.Text.Json.Nodes;
using AccountService.Accounts;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Accounts;

public sealed class GetMyAccountTests(PostgresFixture database, SharedApi api)
    : IntegrationTest(database), IClassFixture<SharedApi>
{
    private static readonly DateTimeOffset Created = new(2024, 5, 1, 12, 34, 56, 789, TimeSpan.Zero);

    private HttpClient Client => api.Get(Database.ConnectionString).Client;

    [Fact]
    public async Task AStripeBilledAccountHasTheExactRunloopShape()
    {
        await SeedAccountAsync("acc_stripe", a =>
        {
            a.Name = "Stripe Co";
            a.BillingType = BillingType.Stripe;
            a.StripeCustomerId = "cus_123";
            a.StripeSubscriptionId = "sub_456";
            a.CreatedAt = Created;
        });

        var json = await GetJsonAsync("acc_stripe");

        AssertJson(
            """
            {"id":"acc_stripe","name":"Stripe Co","tier":"ACCOUNT_TIER_PRO","account_status":"ACCOUNT_STATUS_ENABLED",
             "created_at":"2024-05-01T12:34:56.789Z",
             "billing":{"account_billing_type":"STRIPE","stripe":{"customer_id":"cus_123","active_subscription":"sub_456"},
                        "aws":null,"stripe_customer_id":"cus_123"},
             "stripe_customer_id":"cus_123","active_subscription":"sub_456","account_billing_type":"STRIPE",
             "external_billing_account_id":null}
            """,
            json);
    }

    [Fact]
    public async Task AnAwsMarketplaceAccountHasTheExactRunloopShape()
    {
        await SeedAccountAsync("acc_aws", a =>
        {
            a.Name = "AWS Co";
            a.Tier = AccountTier.Enterprise;
            a.BillingType = BillingType.AwsMarketplace;
            a.AwsCustomerIdentifier = "123456789012";
            a.AwsLicenseArn = "arn:aws:license-manager::123456789012:license:l-1";
            a.AwsSubscriptionStatus = "subscribe-success";
            a.CreatedAt = Created;
        });

        var json = await GetJsonAsync("acc_aws");

        AssertJson(
            """
            {"id":"acc_aws","name":"AWS Co","tier":"ACCOUNT_TIER_ENTERPRISE","account_status":"ACCOUNT_STATUS_ENABLED",
             "created_at":"2024-05-01T12:34:56.789Z",
             "billing":{"account_billing_type":"AWS_MARKETPLACE","stripe":null,
                        "aws":{"customer_identifier":"123456789012","license_arn":"arn:aws:license-manager::123456789012:license:l-1","subscription_status":"subscribe-success"},
                        "stripe_customer_id":null},
             "stripe_customer_id":null,"active_subscription":null,"account_billing_type":"AWS_MARKETPLACE",
             "external_billing_account_id":"123456789012"}
            """,
            json);
    }

    [Fact]
    public async Task AStripeProjectsAccountHasTheExactRunloopShape()
    {
        await SeedAccountAsync("acc_projects", a =>
        {
            a.Name = "Projects Co";
            a.Tier = AccountTier.Trial;
            a.Status = AccountStatus.StripePendingResources;
            a.BillingType = BillingType.StripeProjects;
            a.StripeCustomerId = "cus_proj";
            a.CreatedAt = Created;
        });

        var json = await GetJsonAsync("acc_projects");

        AssertJson(
            """
            {"id":"acc_projects","name":"Projects Co","tier":"ACCOUNT_TIER_TRIAL","account_status":"ACCOUNT_STATUS_STRIPE_PENDING_RESOURCES",
             "created_at":"2024-05-01T12:34:56.789Z",
             "billing":{"account_billing_type":"STRIPE_PROJECTS","stripe":{"customer_id":"cus_proj","active_subscription":null},
                        "aws":null,"stripe_customer_id":"cus_proj"},
             "stripe_customer_id":"cus_proj","active_subscription":null,"account_billing_type":"STRIPE_PROJECTS",
             "external_billing_account_id":null}
            """,
            json);
    }

    [Fact]
    public async Task AnAccountWithNoBillingDataHasNullBillingBlocksAndStillABillingType()
    {
        await SeedAccountAsync("acc_plain", a =>
        {
            a.Name = "Plain";
            a.Tier = AccountTier.Basic;
            a.CreatedAt = Created;
        });

        var json = await GetJsonAsync("acc_plain");

        AssertJson(
            """
            {"id":"acc_plain","name":"Plain","tier":"ACCOUNT_TIER_BASIC","account_status":"ACCOUNT_STATUS_ENABLED",
             "created_at":"2024-05-01T12:34:56.789Z",
             "billing":{"account_billing_type":"STRIPE","stripe":null,"aws":null,"stripe_customer_id":null},
             "stripe_customer_id":null,"active_subscription":null,"account_billing_type":"STRIPE",
             "external_billing_account_id":null}
            """,
            json);
    }

    [Theory]
    [InlineData("Basic", "ACCOUNT_TIER_BASIC")]
    [InlineData("Pro", "ACCOUNT_TIER_PRO")]
    [InlineData("Enterprise", "ACCOUNT_TIER_ENTERPRISE")]
    [InlineData("Trial", "ACCOUNT_TIER_TRIAL")]
    public async Task EveryTierReachesTheWire(string tier, string wire)
    {
        await SeedAccountAsync("acc_t", a => a.Tier = Enum.Parse<AccountTier>(tier));

        var json = await GetJsonAsync("acc_t");

        Assert.Equal(wire, json["tier"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Onboarding", "ACCOUNT_STATUS_ONBOARDING")]
    [InlineData("Enabled", "ACCOUNT_STATUS_ENABLED")]
    [InlineData("DisabledByAdmin", "ACCOUNT_STATUS_DISABLED_BY_ADMIN")]
    [InlineData("DisabledQuotaReached", "ACCOUNT_STATUS_DISABLED_QUOTA_REACHED")]
    [InlineData("TrialCancelled", "ACCOUNT_STATUS_TRIAL_CANCELLED")]
    [InlineData("StripePendingResources", "ACCOUNT_STATUS_STRIPE_PENDING_RESOURCES")]
    public async Task EveryStatusIsAnsweredAndReachesTheWire(string status, string wire)
    {
        await SeedAccountAsync("acc_s", a => a.Status = Enum.Parse<AccountStatus>(status));

        var json = await GetJsonAsync("acc_s");

        Assert.Equal(wire, json["account_status"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreatedAtIsUtcWithExactlyThreeFractionDigits()
    {
        // PostgreSQL keeps microseconds; the wire carries milliseconds.
        await SeedAccountAsync("acc_time", a => a.CreatedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_567));

        var json = await GetJsonAsync("acc_time");

        Assert.Equal("2025-01-02T03:04:05.123Z", json["created_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheResponseIsJsonWithAStrongETag()
    {
        await SeedAccountAsync("acc_e");

        using var response = await Client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_e")}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.Matches("^\"[0-9a-f]{32}\"$", etag.Tag);

        // The tag is the 128-bit XXH3 hash of the exact bytes sent, so every replica gives one body the same tag.
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal($"\"{XxHash128.HashToUInt128(body).ToString("x32", CultureInfo.InvariantCulture)}\"", etag.Tag);
    }

    [Theory]
    [InlineData("{0}")]
    [InlineData("W/{0}")]
    [InlineData("\"other\", {0}")]
    [InlineData("*")]
    public async Task IfNoneMatchWithTheCurrentETagGets304AndNoBody(string ifNoneMatch)
    {
        await SeedAccountAsync("acc_e");
        var jwt = TestAuth.Jwt("acc_e");
        using var first = await Client.SendAsync(AuthenticationTests.Request($"Bearer {jwt}"));
        var etag = first.Headers.ETag!.Tag;

        using var request = AuthenticationTests.Request($"Bearer {jwt}");
        request.Headers.TryAddWithoutValidation("If-None-Match", string.Format(System.Globalization.CultureInfo.InvariantCulture, ifNoneMatch, etag));
        using var second = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal(etag, second.Headers.ETag?.Tag);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task TheETagChangesWhenTheAccountChanges()
    {
        await SeedAccountAsync("acc_e");
        var jwt = TestAuth.Jwt("acc_e");
        using var before = await Client.SendAsync(AuthenticationTests.Request($"Bearer {jwt}"));
        Assert.Equal(0, (await RunCliAsync("accounts", "delete", "--id", "acc_e")).ExitCode);
        await SeedAccountAsync("acc_e", a => a.Tier = AccountTier.Enterprise);

        using var request = AuthenticationTests.Request($"Bearer {jwt}");
        request.Headers.IfNoneMatch.Add(before.Headers.ETag!);
        using var after = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.NotEqual(before.Headers.ETag, after.Headers.ETag);
    }

    [Fact]
    public async Task AnUnseenJwtCallerCostsExactlyOneDatabaseCommand()
    {
        await SeedAccountAsync("acc_db");
        var settings = new Dictionary<string, string?>
        {
            [DatabaseStatements.Logged.Key] = DatabaseStatements.Logged.Value,
        };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        await factory.ListeningAsync();

        using var response = await client.SendAsync(DatabaseStatements.Tagged(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_db")}"), out var requestId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var command = Assert.Single(DatabaseStatements.InRequest(factory.Logs, requestId));
        Assert.Contains("FROM accounts", command, StringComparison.Ordinal);
        Assert.DoesNotContain("app", command, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnseenApiKeyCallerCostsOneDatabaseCommandToo()
    {
        await SeedAccountAsync("acc_db");
        var key = await SeedKeyAsync("acc_db");
        var settings = new Dictionary<string, string?>
        {
            [DatabaseStatements.Logged.Key] = DatabaseStatements.Logged.Value,
        };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        await factory.ListeningAsync();

        using var response = await client.SendAsync(DatabaseStatements.Tagged(AuthenticationTests.Request($"Bearer {key}"), out var requestId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var command = Assert.Single(DatabaseStatements.InRequest(factory.Logs, requestId));
        Assert.Contains("FROM api_keys", command, StringComparison.Ordinal);
        Assert.Contains("JOIN accounts", command, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MeNeverCallsStripe()
    {
        await SeedAccountAsync("acc_stripe", a => a.StripeCustomerId = "cus_1");
        await using var stripe = await StripeStub.StartAsync();
        stripe.Customer("cus_1").DefaultCard = new StubCard("pm_1", "visa", "4242", 1, 2030);
        await using var factory = new AccountApiFactory(Database.ConnectionString, stripe.Settings());
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_stripe")}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(stripe.Calls);
    }

    private async Task<JsonNode> GetJsonAsync(string accountId)
    {
        using var response = await Client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt(accountId)}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    // Raw JSON, not a deserialized DTO: names, types, null versus absent and property order all count.
    private static void AssertJson(string expected, JsonNode actual)
    {
        var expectedNode = JsonNode.Parse(expected)!;
        Assert.True(
            JsonNode.DeepEquals(expectedNode, actual),
            $"expected {expectedNode.ToJsonString()}\nactual   {actual.ToJsonString()}");
        Assert.Equal(Names(expectedNode), Names(actual));
    }

    private static List<string> Names(JsonNode node) => node switch
    {
        JsonObject o => [.. o.SelectMany(p => (IEnumerable<string>)[p.Key, .. p.Value is null ? [] : Names(p.Value).Select(n => $"{p.Key}.{n}")])],
        _ => [],
    };
}
