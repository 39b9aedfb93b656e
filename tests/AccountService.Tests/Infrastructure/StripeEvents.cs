using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// Stripe-shaped event JSON (API version 2026-10-28: plan and period on the subscription's items) and deliveries
/// signed as Stripe signs them: <c>Stripe-Signature: t={t},v1={HMAC-SHA256(secret, "{t}.{body}")}</c>.
/// </summary>
internal static class StripeEvents
{
    public const string Secret = "whsec_test_0123456789abcdef";
    public const string Path = "/webhooks/stripe";

    public static JsonObject Subscription(
        string id,
        string status = "active",
        string interval = "month",
        bool cancelAtPeriodEnd = false,
        long periodEnd = 1_800_000_000,
        string customer = "cus_1") => new()
        {
            ["id"] = id,
            ["object"] = "subscription",
            ["customer"] = customer,
            ["status"] = status,
            ["cancel_at_period_end"] = cancelAtPeriodEnd,
            ["created"] = 1_700_000_000,
            ["livemode"] = false,
            ["items"] = new JsonObject
            {
                ["object"] = "list",
                ["has_more"] = false,
                ["url"] = $"/v1/subscription_items?subscription={id}",
                ["data"] = new JsonArray(new JsonObject
                {
                    ["id"] = $"si_{id[4..]}",
                    ["object"] = "subscription_item",
                    ["current_period_start"] = periodEnd - 2_592_000,
                    ["current_period_end"] = periodEnd,
                    ["quantity"] = 2,
                    ["subscription"] = id,
                    ["price"] = new JsonObject
                    {
                        ["id"] = $"price_{interval}",
                        ["object"] = "price",
                        ["currency"] = "usd",
                        ["unit_amount"] = 900,
                        ["type"] = "recurring",
                        ["recurring"] = new JsonObject { ["interval"] = interval, ["interval_count"] = 1, ["usage_type"] = "licensed" },
                    },
                }),
            },
        };

    public static string Event(string id, string type, long created, JsonObject dataObject, JsonObject? previousAttributes = null)
    {
        var data = new JsonObject { ["object"] = dataObject };
        if (previousAttributes is not null)
        {
            data["previous_attributes"] = previousAttributes;
        }

        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "event",
            ["api_version"] = "2026-10-28.endive",
            ["created"] = created,
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type,
            ["data"] = data,
        }.ToJsonString();
    }

    public static JsonObject Customer(string id) => new()
    {
        ["id"] = id,
        ["object"] = "customer",
        ["created"] = 1_700_000_000,
        ["email"] = $"{id}@example.com",
        ["livemode"] = false,
        ["invoice_settings"] = new JsonObject { ["default_payment_method"] = "pm_new" },
    };

    public static JsonObject PaymentMethod(string id, string? customer) => new()
    {
        ["id"] = id,
        ["object"] = "payment_method",
        ["type"] = "card",
        ["customer"] = customer,
        ["created"] = 1_700_000_000,
        ["livemode"] = false,
        ["card"] = new JsonObject { ["brand"] = "mastercard", ["last4"] = "4444", ["exp_month"] = 3, ["exp_year"] = 2030 },
    };

    public static string Signature(string body, long timestamp, string secret = Secret)
    {
        var t = timestamp.ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>A delivery of <paramref name="body"/> with the given signature header (none when null).</summary>
    public static HttpRequestMessage Delivery(string body, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }

        return request;
    }

    /// <summary>A delivery signed now (by <paramref name="now"/>, else the wall clock) with the test secret.</summary>
    public static HttpRequestMessage Signed(string body, DateTimeOffset? now = null) =>
        Delivery(body, Signature(body, (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds()));
}
