using System.Text.Json;
using AccountService.Billing;
using AccountService.Data;
using AccountService.Errors;
using AccountService.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Stripe;

namespace Microsoft.AspNetCore.Builder;

internal static class StripeWebhookEndpoints
{
    // The type label of deliveries refused before their event was read.
    private const string UnknownType = "unknown";

    /// <summary>
    /// <c>POST /webhooks/stripe</c>: Stripe's signed event deliveries. No bearer credential; the signature is the
    /// credential (<see cref="StripeWebhookVerifier"/>), and a signed delivery spends no per-IP budget.
    /// </summary>
    public static IEndpointRouteBuilder MapStripeWebhooks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/webhooks/stripe", ReceiveEventAsync)
            .AddEndpointFilter<JsonBodyFilter>()
            .WithMetadata(endpoints.ServiceProvider.GetRequiredService<StripeWebhookVerifier>())
            .WithMetadata(
            [
                .. new[]
                {
                    StatusCodes.Status400BadRequest,
                    StatusCodes.Status404NotFound,
                    StatusCodes.Status413PayloadTooLarge,
                    StatusCodes.Status415UnsupportedMediaType,
                    StatusCodes.Status429TooManyRequests,
                    StatusCodes.Status500InternalServerError,
                    StatusCodes.Status503ServiceUnavailable,
                }.Select(status => new ProducesResponseTypeMetadata(status, typeof(ErrorEnvelope), ["application/json"])),
            ])
            .WithName("ReceiveStripeEvent")
            .WithSummary("A Stripe event delivery, signed with the endpoint's secret.")
            .WithTags("Stripe");
        return endpoints;
    }

    private static async Task<Results<NoContent, ErrorResult>> ReceiveEventAsync(
        HttpContext context,
        StripeWebhookVerifier verifier,
        StripeEventHandler events,
        ApiErrors errors,
        ServiceMetrics metrics,
        CancellationToken ct)
    {
        var delivery = await verifier.VerifyAsync(context);
        switch (delivery.Verdict)
        {
            case DeliveryVerdict.NotConfigured:
                return errors.Result(ErrorCodes.NotFound, "Not found.");
            case DeliveryVerdict.TooLarge:
                metrics.WebhookEvent(UnknownType, "too_large");
                return errors.TooLarge($"The body exceeds {StripeWebhookVerifier.MaxBodyBytes / 1024} KiB.");
            case DeliveryVerdict.Unsigned:
                // One message for every failure: which part failed is no help to a forger.
                metrics.WebhookEvent(UnknownType, "unsigned");
                return errors.Result(
                    ErrorCodes.ValidationFailed,
                    "The delivery is not signed by Stripe.",
                    [new ErrorDetail(StripeWebhookVerifier.SignatureHeader, "Missing, invalid or expired signature.", "InvalidSignature")]);
        }

        if (Parse(delivery.Json!) is not { } stripeEvent)
        {
            metrics.WebhookEvent(UnknownType, "invalid");
            return errors.Result(ErrorCodes.ValidationFailed, "The body is not a Stripe event.");
        }

        if (StripeEventHandler.UnstorableId(stripeEvent) is { } field)
        {
            metrics.WebhookEvent(UnknownType, "invalid");
            return errors.Result(
                ErrorCodes.ValidationFailed,
                "The event holds an id no Stripe object has.",
                [new ErrorDetail(field, $"At most {Limits.ExternalIdLength} characters, without NUL or unpaired surrogates.", "InvalidId")]);
        }

        try
        {
            await events.HandleAsync(stripeEvent, ct);
        }
        catch (Exception)
        {
            metrics.WebhookEvent(stripeEvent.Type, "failed");
            throw;
        }

        metrics.WebhookEvent(stripeEvent.Type, "processed");
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The event, or null when the signed body is not one. The API version is not enforced: Stripe delivers each
    /// endpoint's events in the version it was created with, and only the fields applied here need to parse.
    /// </summary>
    private static Event? Parse(string json)
    {
        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ParseEvent(json, throwOnApiVersionMismatch: false);
        }
        catch (Exception ex) when (ex is JsonException or Newtonsoft.Json.JsonException or InvalidOperationException
            or FormatException or OverflowException or ArgumentException or StripeException)
        {
            return null;
        }

        return stripeEvent is { Object: "event", Id.Length: > 0, Type.Length: > 0, Data: not null } ? stripeEvent : null;
    }
}
