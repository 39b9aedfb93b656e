using System.Text;
using AccountService.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Stripe;

namespace AccountService.Billing;

/// <summary>
/// Checks a delivery to <c>POST /webhooks/stripe</c>: its body, read whole only up to <see cref="MaxBodyBytes"/>, and
/// its <c>Stripe-Signature</c> (HMAC-SHA256 of <c>{t}.{body}</c> with <c>Stripe:WebhookSecret</c>, at most
/// <see cref="ToleranceSeconds"/> old) by Stripe.net's <see cref="EventUtility"/>. Done once per request and kept in
/// its features: the rate limiter asks first (a signed delivery spends no per-IP budget), then the endpoint.
/// </summary>
internal sealed class StripeWebhookVerifier(IOptions<StripeOptions> options, TimeProvider time) : ISignedEndpoint
{
    public const string SignatureHeader = "Stripe-Signature";
    public const int MaxBodyBytes = 512 * 1024;

    /// <summary>The bytes a chunked body may take on the wire, framing included: a one-byte chunk takes six.</summary>
    private const int MaxChunkedWireBytes = 8 * MaxBodyBytes;

    /// <summary>Stripe's own default: a signature older than five minutes may be a replay.</summary>
    public const long ToleranceSeconds = 300;

    public async ValueTask<StripeDelivery> VerifyAsync(HttpContext context)
    {
        if (context.Features.Get<StripeDelivery>() is { } known)
        {
            return known;
        }

        var delivery = await ReadAsync(context);
        context.Features.Set(delivery);
        return delivery;
    }

    public async ValueTask<bool> IsSignedAsync(HttpContext context) => (await VerifyAsync(context)).Verdict == DeliveryVerdict.Signed;

    private async Task<StripeDelivery> ReadAsync(HttpContext context)
    {
        if (options.Value is not { HasWebhookSecret: true, WebhookSecret: { } secret })
        {
            return StripeDelivery.NotConfigured;
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return StripeDelivery.TooLarge;
        }

        var signature = context.Request.Headers[SignatureHeader].ToString();
        if (string.IsNullOrWhiteSpace(signature))
        {
            return StripeDelivery.Unsigned;
        }

        // Kestrel's limit for every other route is far lower; this route alone takes up to MaxBodyBytes. Kestrel counts
        // a chunked body's framing (size lines, CRLFs) toward its limit too, so a chunked body gets room on the wire
        // for the framing of even one-byte chunks, and ReadBoundedAsync holds its payload to MaxBodyBytes.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = context.Request.ContentLength is null ? MaxChunkedWireBytes : MaxBodyBytes;
        }

        var body = await ReadBoundedAsync(context.Request.Body, context.RequestAborted);
        if (body is null)
        {
            return StripeDelivery.TooLarge;
        }

        var json = Encoding.UTF8.GetString(body);
        try
        {
            EventUtility.ValidateSignature(json, signature, secret, ToleranceSeconds, time.GetUtcNow().ToUnixTimeSeconds());
        }
        catch (Exception ex) when (ex is StripeException or FormatException or OverflowException)
        {
            // Stripe.net reads t with Convert.ToInt32 after checking the HMAC: a signed header whose t is not a
            // 32-bit integer (t=1780000000.5, twenty digits) throws FormatException or OverflowException.
            return StripeDelivery.Unsigned;
        }

        return new StripeDelivery(DeliveryVerdict.Signed, json);
    }

    /// <summary>The whole body, or null as soon as it passes <see cref="MaxBodyBytes"/> (a chunked body has no length).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return buffer.ToArray();
    }
}

internal enum DeliveryVerdict
{
    Signed,
    Unsigned,
    TooLarge,
    NotConfigured,
}

/// <summary>What the verifier found; <see cref="Json"/> only for a signed delivery.</summary>
internal sealed record StripeDelivery(DeliveryVerdict Verdict, string? Json = null)
{
    public static readonly StripeDelivery Unsigned = new(DeliveryVerdict.Unsigned);
    public static readonly StripeDelivery TooLarge = new(DeliveryVerdict.TooLarge);
    public static readonly StripeDelivery NotConfigured = new(DeliveryVerdict.NotConfigured);
}
