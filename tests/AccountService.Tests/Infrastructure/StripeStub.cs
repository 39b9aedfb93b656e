using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// Stripe's REST paths on 127.0.0.1, answering with Stripe-shaped JSON scripted per customer: a default card, other
/// cards, deleted or unknown customers, failures, slowness and answers held until released; or an outage of every
/// customer at once. Subscriptions are served as scripted with <see cref="Subscription"/>. Every call is recorded, so tests can count them.
/// </summary>
internal sealed class StripeStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, StubCustomer> _customers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> _subscriptions = new(StringComparer.Ordinal);

    private StripeStub(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>When set, every call fails this way, whoever the customer.</summary>
    public StubOutage Outage { get; set; }

    /// <summary>
    /// Settings pointing the service (or a command) at this stub; with <paramref name="webhooks"/> it also accepts
    /// deliveries signed with <see cref="StripeEvents.Secret"/>.
    /// </summary>
    public Dictionary<string, string?> Settings(TimeSpan? timeBudget = null, bool webhooks = false)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Stripe:SecretKey"] = "sk_test_stub",
            ["Stripe:ApiBase"] = BaseUrl,
            ["Stripe:TimeBudget"] = (timeBudget ?? TimeSpan.FromSeconds(2)).ToString("c", null),
        };
        if (webhooks)
        {
            settings["Stripe:WebhookSecret"] = StripeEvents.Secret;
        }

        return settings;
    }

    /// <summary>
    /// As <see cref="Settings"/>, with every lookup asking Stripe (a 1 ms card cache, no retries) and a breaker that
    /// opens once half of at least <paramref name="minimumThroughput"/> calls in a minute failed, for
    /// <paramref name="cooldown"/> (a minute unless given).
    /// </summary>
    public Dictionary<string, string?> BreakerSettings(TimeSpan timeBudget, int minimumThroughput, TimeSpan? cooldown = null)
    {
        var settings = Settings(timeBudget);
        settings["Stripe:CardCacheTtl"] = "00:00:00.001";
        settings["Stripe:MaxNetworkRetries"] = "0";
        settings["Stripe:BreakerFailureRatio"] = "0.5";
        settings["Stripe:BreakerMinimumThroughput"] = minimumThroughput.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Stripe:BreakerSamplingDuration"] = "00:01:00";
        settings["Stripe:FailureCooldown"] = (cooldown ?? TimeSpan.FromMinutes(1)).ToString("c", null);
        return settings;
    }

    public StubCustomer Customer(string id) => _customers.GetOrAdd(id, key => new StubCustomer(key));

    /// <summary>What <c>GET /v1/subscriptions/{id}</c> answers (see <see cref="StripeEvents.Subscription"/>); unknown ids get 404.</summary>
    public void Subscription(JsonObject subscription) => _subscriptions[subscription["id"]!.GetValue<string>()] = subscription;

    public int CallsFor(string customerId) => Calls.Count(c => c.Contains($"/v1/customers/{customerId}", StringComparison.Ordinal));

    /// <summary>Waits until Stripe has been called for the customer more than <paramref name="seen"/> times.</summary>
    public Task WaitForCallAsync(string customerId, int seen) =>
        Signals.WaitUntilAsync(() => CallsFor(customerId) > seen, TimeSpan.FromSeconds(30), $"Stripe is called for {customerId} more than {seen} times");

    public static async Task<StripeStub> StartAsync()
    {
        StripeStub? stub = null;
        var (app, address) = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet("/v1/customers/{id}", (string id, HttpContext http) => stub!.AnswerAsync(id, http, listCards: false));
            app.MapGet("/v1/customers/{id}/payment_methods", (string id, HttpContext http) => stub!.AnswerAsync(id, http, listCards: true));
            app.MapGet("/v1/subscriptions/{id}", (string id, HttpContext http) => stub!.AnswerSubscriptionAsync(id, http));
        });
        stub = new StripeStub(app, address);
        return stub;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task AnswerAsync(string id, HttpContext http, bool listCards)
    {
        Calls.Enqueue($"{http.Request.Path}{http.Request.QueryString}");
        switch (Outage)
        {
            case StubOutage.ServerErrors:
                await WriteAsync(http, 500, new JsonObject { ["error"] = new JsonObject { ["type"] = "api_error", ["message"] = "An unknown error occurred" } });
                return;
            case StubOutage.Hanging:
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
                return;
        }

        if (!_customers.TryGetValue(id, out var customer))
        {
            await WriteAsync(http, 404, new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["type"] = "invalid_request_error",
                    ["code"] = "resource_missing",
                    ["message"] = $"No such customer: '{id}'",
                    ["param"] = "id",
                },
            });
            return;
        }

        if (customer.Delay > TimeSpan.Zero)
        {
            await Task.Delay(customer.Delay, http.RequestAborted);
        }

        if (customer.Hold is { } hold)
        {
            await hold.Task.WaitAsync(http.RequestAborted);
        }

        if (Interlocked.Decrement(ref customer.FailuresLeft) >= 0)
        {
            if (customer.FailureStatus >= 500)
            {
                http.Response.Headers["Stripe-Should-Retry"] = "true";
                await WriteAsync(http, customer.FailureStatus, new JsonObject { ["error"] = new JsonObject { ["type"] = "api_error", ["message"] = "An unknown error occurred" } });
            }
            else
            {
                await WriteAsync(http, customer.FailureStatus, new JsonObject
                {
                    ["error"] = new JsonObject { ["type"] = "invalid_request_error", ["message"] = "This customer cannot be read", ["param"] = "id" },
                });
            }

            return;
        }

        if (listCards)
        {
            await WriteAsync(http, 200, new JsonObject
            {
                ["object"] = "list",
                ["url"] = $"/v1/customers/{id}/payment_methods",
                ["has_more"] = false,
                ["data"] = new JsonArray([.. customer.OtherCards.Select(c => PaymentMethod(c, id))]),
            });
            return;
        }

        // Stripe.net sends lists as expand[0]=…; Stripe accepts expand[]=… too.
        var expand = http.Request.Query.Any(q => q.Key.StartsWith("expand[", StringComparison.Ordinal) && q.Value.Contains("invoice_settings.default_payment_method"));
        JsonNode? defaultMethod = customer.DefaultCard is null ? null
            : expand ? PaymentMethod(customer.DefaultCard, id)
            : JsonValue.Create(customer.DefaultCard.Id);
        await WriteAsync(http, 200, customer.Deleted
            ? new JsonObject { ["id"] = id, ["object"] = "customer", ["deleted"] = true }
            : new JsonObject
            {
                ["id"] = id,
                ["object"] = "customer",
                ["created"] = 1700000000,
                ["email"] = $"{id}@example.com",
                ["livemode"] = false,
                ["invoice_settings"] = new JsonObject
                {
                    ["custom_fields"] = null,
                    ["default_payment_method"] = defaultMethod,
                    ["footer"] = null,
                    ["rendering_options"] = null,
                },
            });
    }

    private async Task AnswerSubscriptionAsync(string id, HttpContext http)
    {
        Calls.Enqueue($"{http.Request.Path}{http.Request.QueryString}");
        if (Outage == StubOutage.ServerErrors)
        {
            await WriteAsync(http, 500, new JsonObject { ["error"] = new JsonObject { ["type"] = "api_error", ["message"] = "An unknown error occurred" } });
            return;
        }

        await (_subscriptions.TryGetValue(id, out var subscription)
            ? WriteAsync(http, 200, subscription.DeepClone())
            : WriteAsync(http, 404, new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["type"] = "invalid_request_error",
                    ["code"] = "resource_missing",
                    ["message"] = $"No such subscription: '{id}'",
                    ["param"] = "id",
                },
            }));
    }

    private static JsonObject PaymentMethod(StubCard card, string customerId) => new()
    {
        ["id"] = card.Id,
        ["object"] = "payment_method",
        ["type"] = card.Brand is null ? "sepa_debit" : "card",
        ["card"] = card.Brand is null ? null : new JsonObject
        {
            ["brand"] = card.Brand,
            ["display_brand"] = card.Brand,
            ["country"] = "US",
            ["exp_month"] = card.ExpMonth,
            ["exp_year"] = card.ExpYear,
            ["funding"] = "credit",
            ["last4"] = card.Last4,
        },
        ["created"] = 1700000000,
        ["customer"] = customerId,
        ["livemode"] = false,
    };

    private static async Task WriteAsync(HttpContext http, int status, JsonNode body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.Headers["Request-Id"] = $"req_{Guid.NewGuid():N}";
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted);
    }
}

internal enum StubOutage
{
    None,
    ServerErrors,
    Hanging,
}

internal sealed record StubCard(string Id, string? Brand, string Last4, int ExpMonth, int ExpYear);

internal sealed class StubCustomer(string id)
{
    public int FailuresLeft;

    public string Id { get; } = id;

    public StubCard? DefaultCard { get; set; }

    public List<StubCard> OtherCards { get; } = [];

    public bool Deleted { get; set; }

    public TimeSpan Delay { get; set; }

    /// <summary>The status of the scripted failures (<see cref="FailuresLeft"/>): 500 unless set.</summary>
    public int FailureStatus { get; set; } = 500;

    /// <summary>When set, answers wait until it completes.</summary>
    public TaskCompletionSource? Hold { get; set; }
}
