using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AccountService.Accounts;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using YamlDotNet.Serialization;

namespace AccountService.Tests.Contract;

/// <summary>
/// The real service on Kestrel behind Stoplight Prism's validating proxy (<see cref="PrismProxy"/>) with openapi.yaml:
/// every answer each operation documents, 2xx and error alike, is produced through the proxy, and each must reach the
/// caller with the status expected, from the service, without a single violation (of any severity) reported.
/// </summary>
public sealed class PrismValidationTests(PostgresFixture database) : StripeTest(database)
{
    private const string Card = "cus_card";
    private const string StripeDown = "cus_down";
    private const string UnknownKey = "ok_Unknown1_0123456789abcdefghijklmn";

    // Documented answers no request here can bring about without changing the service: an unexpected failure.
    private static readonly string[] NotProduced =
    [
        "GET /v1/accounts/me 500",
        "GET /api/account 500",
        "POST /api/api-keys 500",
        "GET /api/api-keys 500",
        "DELETE /api/api-keys/{id} 500",
        "POST /webhooks/stripe 500",
    ];

    private readonly List<string> _failures = [];
    private readonly SortedSet<string> _produced = new(StringComparer.Ordinal);
    [Fact]
    public async Task EveryDocumentedAnswerOfEveryOperationPassesPrismsValidation()
    {
        await SeedAsync();
        await using var relay = PostgresProxy.Start(Database.ConnectionString);
        var settings = new Dictionary<string, string?>(Stripe.Settings(webhooks: true)) { ["RateLimits:PerIpPerMinute"] = "30" };
        await using var factory = new AccountApiFactory(relay.ConnectionString, settings, seeOwnWrites: false);
        using var direct = factory.StartKestrel();

        // A second service without a webhook secret, for the webhook's 404; its proxy starts while the first is in use.
        var withoutWebhooks = new Dictionary<string, string?>(settings) { ["Stripe:WebhookSecret"] = null };
        await using var unhooked = new AccountApiFactory(Database.ConnectionString, withoutWebhooks, seeOwnWrites: false);
        using var unhookedDirect = unhooked.StartKestrel();
        var unhookedStarting = PrismProxy.StartAsync(unhookedDirect.BaseAddress!.ToString().TrimEnd('/'));
        try
        {
            await using var prism = await PrismProxy.StartAsync(direct.BaseAddress!.ToString().TrimEnd('/'));
            using var client = new HttpClient { BaseAddress = prism.Address };
            await AccountsAsync(client, direct);
            await ApiKeysAsync(client);
            await WebhooksAsync(client);
            await HealthAsync(client, direct, expected: HttpStatusCode.OK);
            await RateLimitedAsync(client, direct);
            relay.TakeDown();
            await DatabaseDownAsync(client);
            await HealthAsync(client, direct, expected: HttpStatusCode.ServiceUnavailable);

            using var unhookedClient = new HttpClient { BaseAddress = (await unhookedStarting).Address };
            var signed = StripeEvents.Event("evt_prism_4", "customer.created", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), new JsonObject { ["id"] = "cus_new", ["object"] = "customer" });
            await CheckAsync(unhookedClient, "POST /webhooks/stripe", HttpStatusCode.NotFound, "no webhook secret", StripeEvents.Signed(signed), "NOT_FOUND");
            Assert.True(_failures.Count == 0, $"{string.Join("\n", _failures)}\n\nprism:\n{prism.Output}");
        }
        finally
        {
            // When it fails to start, StartAsync has stopped it already.
            await Task.WhenAny(unhookedStarting);
            if (unhookedStarting.IsCompletedSuccessfully)
            {
                await (await unhookedStarting).DisposeAsync();
            }
        }

        var documented = DocumentedAnswers();
        Assert.Empty(documented.Except(_produced).Except(NotProduced));
        Assert.Empty(NotProduced.Intersect(_produced));
        Assert.Empty(NotProduced.Except(documented));
    }

    private async Task SeedAsync()
    {
        Stripe.Customer(Card).DefaultCard = new StubCard("pm_1abc2def3ghi", "visa", "4242", 12, 2030);
        Stripe.Customer(StripeDown).FailuresLeft = int.MaxValue;

        // No billing data at all: billing.stripe and billing.aws are null, and so is the payment method.
        await SeedAccountAsync("acc_plain");
        await SeedAccountAsync("acc_billed", a =>
        {
            a.StripeCustomerId = Card;
            a.StripeSubscriptionId = "sub_1";
            a.AwsCustomerIdentifier = "aws-customer-1";
            a.AwsLicenseArn = "arn:aws:license-manager::123456789012:license:l-1";
            a.AwsSubscriptionStatus = "active";
        });
        await SeedSeatAsync("acc_billed", "-NtestApp123", "sub_1");
        await SeedAccountAsync("acc_disabled", a => a.Status = AccountStatus.DisabledByAdmin);
        await SeedAccountAsync("accStripe_down", a => a.StripeCustomerId = StripeDown);
        await SeedAccountAsync("acc_full");
        for (var i = 0; i < 10; i++)
        {
            await SeedKeyAsync("acc_full");
        }

        await SeedAccountAsync("acc_keys");
        await SeedKeyAsync("acc_keys");
        await using var db = CreateDbContext();
        await db.ApiKeys.Where(k => k.AccountId == "acc_keys").ExecuteUpdateAsync(k => k.SetProperty(x => x.LastUsedAt, DateTimeOffset.UtcNow));
        await SeedKeyAsync("acc_keys");
    }

    private async Task AccountsAsync(HttpClient client, HttpClient direct)
    {
        const string Me = "GET /v1/accounts/me";
        const string Account = "GET /api/account";
        var plainKey = await SeedKeyAsync("acc_plain");

        await CheckAsync(client, Me, HttpStatusCode.OK, "billing null, API key", Get("/v1/accounts/me", plainKey));
        await CheckAsync(client, Me, HttpStatusCode.OK, "billing null, JWT", Get("/v1/accounts/me", Jwt("acc_plain")));
        await CheckAsync(client, Me, HttpStatusCode.OK, "billing.stripe set, billing.aws null", Get("/v1/accounts/me", Jwt("accStripe_down")));
        await CheckAsync(client, Me, HttpStatusCode.OK, "billing.stripe and billing.aws set", Get("/v1/accounts/me", Jwt("acc_billed")));
        await CheckAsync(client, Me, HttpStatusCode.OK, "disabled account", Get("/v1/accounts/me", Jwt("acc_disabled")));
        using (var first = await direct.SendAsync(Get("/v1/accounts/me", Jwt("acc_plain"))))
        {
            var etag = first.Headers.ETag?.ToString();
            Assert.NotNull(etag);
            await CheckAsync(client, Me, HttpStatusCode.NotModified, "If-None-Match", Get("/v1/accounts/me", Jwt("acc_plain"), r => r.Headers.TryAddWithoutValidation("If-None-Match", etag)));
        }

        await CheckAsync(client, Me, HttpStatusCode.BadRequest, "bad X-Request-Id", Get("/v1/accounts/me", Jwt("acc_plain"), BadRequestId), "VALIDATION_FAILED");
        await CheckAsync(client, Me, HttpStatusCode.Unauthorized, "unknown key", Get("/v1/accounts/me", UnknownKey), "UNAUTHORIZED");
        await CheckAsync(client, Me, HttpStatusCode.NotFound, "no such account", Get("/v1/accounts/me", Jwt("acc_missing")), "NOT_FOUND");

        await CheckAsync(client, Account, HttpStatusCode.OK, "no card, no seats", Get("/api/account", Jwt("acc_plain")));
        await CheckAsync(client, Account, HttpStatusCode.OK, "a card and a seat", Get("/api/account", Jwt("acc_billed")));
        await CheckAsync(client, Account, HttpStatusCode.BadRequest, "bad X-Request-Id", Get("/api/account", Jwt("acc_plain"), BadRequestId), "VALIDATION_FAILED");
        await CheckAsync(client, Account, HttpStatusCode.Unauthorized, "unknown key", Get("/api/account", UnknownKey), "UNAUTHORIZED");
        await CheckAsync(client, Account, HttpStatusCode.Forbidden, "disabled account", Get("/api/account", Jwt("acc_disabled")), "FORBIDDEN");
        await CheckAsync(client, Account, HttpStatusCode.NotFound, "no such account", Get("/api/account", Jwt("acc_missing")), "NOT_FOUND");
        await CheckAsync(client, Account, HttpStatusCode.ServiceUnavailable, "Stripe failing, no card known", Get("/api/account", Jwt("accStripe_down")), "PAYMENT_ERROR");
    }

    private async Task ApiKeysAsync(HttpClient client)
    {
        const string Create = "POST /api/api-keys";
        const string List = "GET /api/api-keys";
        const string Revoke = "DELETE /api/api-keys/{id}";
        var user = Jwt("acc_keys");
        var apiKey = await SeedKeyAsync("acc_keys");

        string? created = null;
        await CheckAsync(client, Create, HttpStatusCode.Created, "new key", CreateKey(user, """{"name":"CI deploys"}""", "prism-1"), read: body => created = JsonNode.Parse(body)?["id"]?.GetValue<string>());
        await CheckAsync(client, Create, HttpStatusCode.Created, "replayed", CreateKey(user, """{"name":"CI deploys"}""", "prism-1"));
        await CheckAsync(client, Create, HttpStatusCode.BadRequest, "name too long", CreateKey(user, $$"""{"name":"{{new string('n', 65)}}"}"""), "VALIDATION_FAILED");
        await CheckAsync(client, Create, HttpStatusCode.BadRequest, "long Idempotency-Key", CreateKey(user, """{"name":"x"}""", new string('k', 256)), "INVALID_IDEMPOTENCY_KEY");
        await CheckAsync(client, Create, HttpStatusCode.BadRequest, "ten keys already", CreateKey(Jwt("acc_full"), """{"name":"x"}"""), "API_KEY_LIMIT_REACHED");
        await CheckAsync(client, Create, HttpStatusCode.Unauthorized, "unknown key", CreateKey(UnknownKey, """{"name":"x"}"""), "UNAUTHORIZED");
        await CheckAsync(client, Create, HttpStatusCode.Forbidden, "API key caller", CreateKey(apiKey, """{"name":"x"}"""), "FORBIDDEN");
        await CheckAsync(client, Create, HttpStatusCode.NotFound, "no such account", CreateKey(Jwt("acc_missing"), """{"name":"x"}"""), "NOT_FOUND");
        var plain = CreateKey(user, "{}");
        plain.Content = new StringContent("name=x", Encoding.UTF8, "text/plain");
        await CheckAsync(client, Create, HttpStatusCode.UnsupportedMediaType, "text/plain body", plain, "UNSUPPORTED_MEDIA_TYPE");
        await CheckAsync(client, Create, HttpStatusCode.UnprocessableEntity, "same key, other request", CreateKey(user, """{"name":"other"}""", "prism-1"), "IDEMPOTENCY_KEY_REUSE");

        await CheckAsync(client, List, HttpStatusCode.OK, "used and unused keys", Get("/api/api-keys", user));
        await CheckAsync(client, List, HttpStatusCode.BadRequest, "bad X-Request-Id", Get("/api/api-keys", user, BadRequestId), "VALIDATION_FAILED");
        await CheckAsync(client, List, HttpStatusCode.Unauthorized, "unknown key", Get("/api/api-keys", UnknownKey), "UNAUTHORIZED");
        await CheckAsync(client, List, HttpStatusCode.Forbidden, "API key caller", Get("/api/api-keys", apiKey), "FORBIDDEN");
        await CheckAsync(client, List, HttpStatusCode.NotFound, "no such account", Get("/api/api-keys", Jwt("acc_missing")), "NOT_FOUND");

        Assert.NotNull(created);
        await CheckAsync(client, Revoke, HttpStatusCode.BadRequest, "bad X-Request-Id", Delete(created, user, BadRequestId), "VALIDATION_FAILED");
        await CheckAsync(client, Revoke, HttpStatusCode.Unauthorized, "unknown key", Delete(created, UnknownKey), "UNAUTHORIZED");
        await CheckAsync(client, Revoke, HttpStatusCode.Forbidden, "API key caller", Delete(created, apiKey), "FORBIDDEN");
        await CheckAsync(client, Revoke, HttpStatusCode.NoContent, "active key", Delete(created, user));
        await CheckAsync(client, Revoke, HttpStatusCode.NotFound, "already revoked", Delete(created, user), "NOT_FOUND");
    }

    private async Task WebhooksAsync(HttpClient client)
    {
        const string Receive = "POST /webhooks/stripe";

        // Prism parses a JSON body and sends it on re-serialised, so bodies are signed as JSON.stringify writes them.
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var ignored = StripeEvents.Event("evt_prism_1", "customer.created", now, new JsonObject { ["id"] = "cus_new", ["object"] = "customer" });
        await CheckAsync(client, Receive, HttpStatusCode.NoContent, "signed event", StripeEvents.Signed(ignored));
        await CheckAsync(client, Receive, HttpStatusCode.BadRequest, "wrong signature", StripeEvents.Delivery(ignored, StripeEvents.Signature(ignored, now, "whsec_other")), "VALIDATION_FAILED");
        var big = StripeEvents.Event("evt_prism_big", "customer.updated", now, new JsonObject { ["id"] = "cus_new", ["object"] = "customer", ["filler"] = new string('x', 600 * 1024) });
        await CheckAsync(client, Receive, HttpStatusCode.RequestEntityTooLarge, "over 512 KiB", StripeEvents.Signed(big), "VALIDATION_FAILED");
        var plain = StripeEvents.Signed(ignored);
        plain.Content = new StringContent(ignored, Encoding.UTF8, "text/plain");
        await CheckAsync(client, Receive, HttpStatusCode.UnsupportedMediaType, "text/plain body", plain, "UNSUPPORTED_MEDIA_TYPE");
    }

    private async Task HealthAsync(HttpClient client, HttpClient direct, HttpStatusCode expected)
    {
        // Readiness is checked at most once a second; wait until the service itself says what is expected.
        await Signals.WaitUntilAsync(
            async () =>
            {
                using var probe = await direct.GetAsync("/health/ready");
                return probe.StatusCode == expected;
            },
            TimeSpan.FromSeconds(10),
            $"/health/ready answers {expected}");

        await CheckAsync(client, "GET /health/live", HttpStatusCode.OK, "up", new HttpRequestMessage(HttpMethod.Get, "/health/live"));
        await CheckAsync(client, "GET /health/ready", expected, "database", new HttpRequestMessage(HttpMethod.Get, "/health/ready"), expected == HttpStatusCode.OK ? null : "SERVICE_UNAVAILABLE");
    }

    /// <summary>Each operation's 429, on the per-IP budget of requests without a valid credential.</summary>
    private async Task RateLimitedAsync(HttpClient client, HttpClient direct)
    {
        var requests = new (string Operation, Func<HttpRequestMessage> Request)[]
        {
            ("GET /v1/accounts/me", () => Get("/v1/accounts/me", UnknownKey)),
            ("GET /api/account", () => Get("/api/account", UnknownKey)),
            ("POST /api/api-keys", () => CreateKey(UnknownKey, """{"name":"x"}""")),
            ("GET /api/api-keys", () => Get("/api/api-keys", UnknownKey)),
            ("DELETE /api/api-keys/{id}", () => Delete("AbC123xY", UnknownKey)),
            ("POST /webhooks/stripe", () => StripeEvents.Delivery(StripeEvents.Event("evt_prism_2", "customer.created", 1, new JsonObject { ["id"] = "cus_new" }), signature: null)),
        };
        foreach (var (operation, request) in requests)
        {
            // The budget is per clock minute: when the minute turns between using it up and the request, do it again.
            for (var tries = 1; ; tries++)
            {
                await UseUpIpBudgetAsync(direct);
                var status = await CheckAsync(client, operation, HttpStatusCode.TooManyRequests, "per-IP budget spent", request(), "RATE_LIMITED", retrying: tries < 3);
                if (status == HttpStatusCode.TooManyRequests || tries == 3)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Each operation's 503 for a caller the service has not met, whose account it cannot look up.</summary>
    private async Task DatabaseDownAsync(HttpClient client)
    {
        var stranger = Jwt("acc_stranger");
        await CheckAsync(client, "GET /v1/accounts/me", HttpStatusCode.ServiceUnavailable, "database down", Get("/v1/accounts/me", stranger), "SERVICE_UNAVAILABLE");
        await CheckAsync(client, "GET /api/account", HttpStatusCode.ServiceUnavailable, "database down", Get("/api/account", stranger), "SERVICE_UNAVAILABLE");
        await CheckAsync(client, "POST /api/api-keys", HttpStatusCode.ServiceUnavailable, "database down", CreateKey(stranger, """{"name":"x"}"""), "SERVICE_UNAVAILABLE");
        await CheckAsync(client, "GET /api/api-keys", HttpStatusCode.ServiceUnavailable, "database down", Get("/api/api-keys", stranger), "SERVICE_UNAVAILABLE");
        await CheckAsync(client, "DELETE /api/api-keys/{id}", HttpStatusCode.ServiceUnavailable, "database down", Delete("AbC123xY", stranger), "SERVICE_UNAVAILABLE");
        var signed = StripeEvents.Event("evt_prism_3", "customer.subscription.updated", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), StripeEvents.Subscription("sub_1"));
        await CheckAsync(client, "POST /webhooks/stripe", HttpStatusCode.ServiceUnavailable, "database down", StripeEvents.Signed(signed), "SERVICE_UNAVAILABLE");
    }

    private static async Task UseUpIpBudgetAsync(HttpClient direct)
    {
        for (var sent = 0; sent < 100; sent++)
        {
            using var response = await direct.SendAsync(Get("/v1/accounts/me", UnknownKey));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return;
            }
        }

        Assert.Fail("100 requests with an unknown key did not use up a per-IP budget of 30");
    }

    /// <summary>
    /// Sends <paramref name="request"/> through Prism and notes every way the answer falls short: a violation Prism
    /// reports, another status than <paramref name="expected"/>, an answer that is Prism's own (no X-Request-Id), or
    /// another error code than <paramref name="code"/>. When <paramref name="retrying"/>, another status is left for
    /// the caller to try again.
    /// </summary>
    private async Task<HttpStatusCode> CheckAsync(
        HttpClient client,
        string operation,
        HttpStatusCode expected,
        string what,
        HttpRequestMessage request,
        string? code = null,
        Action<string>? read = null,
        bool retrying = false)
    {
        using (request)
        {
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var problems = new List<string>();
            if (response.Headers.TryGetValues("sl-violations", out var violations))
            {
                problems.Add($"violations {string.Join(' ', violations)}");
            }

            if (response.StatusCode != expected)
            {
                problems.Add($"status {(int)response.StatusCode}");
            }

            if (!response.Headers.Contains("X-Request-Id"))
            {
                problems.Add("not the service's answer (no X-Request-Id)");
            }

            if (code is not null && ErrorCode(body) != code)
            {
                problems.Add($"error code {ErrorCode(body) ?? "none"}, expected {code}");
            }

            if (problems.Count == 0)
            {
                _produced.Add($"{operation} {(int)expected}");
                read?.Invoke(body);
            }
            else if (!retrying || response.StatusCode == expected)
            {
                _failures.Add($"{operation} {(int)expected} ({what}): {string.Join("; ", problems)}\n    {body[..Math.Min(body.Length, 2000)]}");
            }

            return response.StatusCode;
        }
    }

    private static string? ErrorCode(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["error"]?["code"]?.GetValue<string>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static SortedSet<string> DocumentedAnswers()
    {
        var yaml = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "openapi.yaml")));
        var answers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in (Dictionary<object, object>)yaml["paths"])
        {
            foreach (var (method, operation) in (Dictionary<object, object>)item)
            {
                foreach (var status in ((Dictionary<object, object>)((Dictionary<object, object>)operation)["responses"]).Keys)
                {
                    answers.Add($"{method.ToString()!.ToUpperInvariant()} {path} {status}");
                }
            }
        }

        return answers;
    }

    private static string Jwt(string accountId) => TestAuth.Jwt(accountId);

    private static void BadRequestId(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation("X-Request-Id", "two,ids");

    private static HttpRequestMessage Get(string path, string credential, Action<HttpRequestMessage>? configure = null) =>
        Request(HttpMethod.Get, path, credential, configure);

    private static HttpRequestMessage Delete(string id, string credential, Action<HttpRequestMessage>? configure = null) =>
        Request(HttpMethod.Delete, $"/api/api-keys/{id}", credential, configure);

    private static HttpRequestMessage CreateKey(string credential, string json, string? idempotencyKey = null)
    {
        var request = Request(HttpMethod.Post, "/api/api-keys", credential, r =>
        {
            if (idempotencyKey is not null)
            {
                r.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
            }
        });
        request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        return request;
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string credential, Action<HttpRequestMessage>? configure)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {credential}");
        configure?.Invoke(request);
        return request;
    }
}
