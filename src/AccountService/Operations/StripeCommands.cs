using System.CommandLine;
using System.Net;
using AccountService.Billing;
using AccountService.Data;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stripe;

namespace AccountService.Operations;

/// <summary><c>stripe sync</c>: the seats as Stripe has them, for when webhook deliveries were missed.</summary>
internal static class StripeCommands
{
    public static Command Build(OperatorCommands.Runner runner) =>
        new("stripe", "Reconcile with Stripe.") { SyncCommand(runner) };

    /// <summary>
    /// Reads every linked subscription (or an account's) from Stripe and applies it through
    /// <see cref="SubscriptionSync"/>, the webhook's own function. One transaction: if Stripe fails for any
    /// subscription, nothing is written.
    /// </summary>
    private static Command SyncCommand(OperatorCommands.Runner runner)
    {
        var account = new Option<string?>("--account") { Description = "Only this account's seats." };
        var command = new Command("sync", "Re-read linked Stripe subscriptions and apply them to their seats.") { account };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var accountId = parsed.GetValue(account);
            await new SyncInputValidator().ValidateAndThrowAsync(new SyncInput(accountId), ct);
            if (!context.Services.GetRequiredService<IOptions<StripeOptions>>().Value.HasSecretKey)
            {
                throw new OperatorException("Stripe:SecretKey is not configured");
            }

            if (accountId is not null && !await context.Db.Accounts.AnyAsync(a => a.Id == accountId, ct))
            {
                throw new OperatorException($"account {accountId} not found");
            }

            var subscriptionIds = await context.Db.Apps
                .Where(a => accountId == null || a.AccountId == accountId)
                .Select(a => a.Subscription!.StripeSubscriptionId)
                .Where(id => id != null)
                .Distinct()
                .OrderBy(id => id)
                .ToListAsync(ct);

            var stripe = context.Services.GetRequiredService<StripeClient>();
            var sync = context.Services.GetRequiredService<SubscriptionSync>();
            var changed = new List<object>();
            var lines = new List<string>();
            var missing = new List<string>();
            foreach (var id in subscriptionIds.OfType<string>())
            {
                // Taken before asking: an event Stripe creates while the answer is on its way is newer and still applies.
                var asOf = context.Time.GetUtcNow();
                if (await GetAsync(stripe, id, ct) is not { } subscription)
                {
                    missing.Add(id);
                    lines.Add($"{id}: not found in Stripe, seats left as they are");
                    continue;
                }

                var result = await sync.ApplyAsync(subscription, asOf, deleted: false, stripeEvent: null, ct);
                foreach (var change in result.Changes)
                {
                    changed.Add(new { appId = change.AppId, stripeSubscriptionId = id, before = Wire(change.Before), after = Wire(change.After) });
                    lines.Add($"app {change.AppId} ({id}): {Describe(change.Before)} -> {Describe(change.After)}");
                }
            }

            lines.Add($"synced {subscriptionIds.Count - missing.Count} subscription(s); {changed.Count} seat(s) changed");
            context.Report(
                new { subscriptions = subscriptionIds.Count - missing.Count, changed, missing },
                string.Join(Environment.NewLine, lines));
        });
        return command;
    }

    /// <summary>The subscription, or null when Stripe does not know it; any other failure stops the command.</summary>
    private static async Task<Subscription?> GetAsync(StripeClient stripe, string id, CancellationToken ct)
    {
        try
        {
            return await stripe.V1.Subscriptions.GetAsync(id, options: null, requestOptions: null, ct);
        }
        catch (StripeException ex) when (ex.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (StripeException ex)
        {
            throw new OperatorException($"Stripe answered {(int)ex.HttpStatusCode} for {id}: {ex.StripeError?.Message ?? ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            throw new OperatorException($"Stripe could not be reached for {id}: {ex.Message}");
        }
    }

    private static object Wire(SeatState seat) => new
    {
        planType = StoredNames.PlanType.ToText(seat.PlanType),
        status = StoredNames.SubscriptionStatus.ToText(seat.Status),
        cancelAtPeriodEnd = seat.CancelAtPeriodEnd,
        currentPeriodEnd = seat.CurrentPeriodEnd?.ToUnixTimeSeconds(),
    };

    private static string Describe(SeatState seat) =>
        $"{StoredNames.PlanType.ToText(seat.PlanType)} {StoredNames.SubscriptionStatus.ToText(seat.Status)}"
        + $"{(seat.CancelAtPeriodEnd ? " canceling" : "")} until {seat.CurrentPeriodEnd?.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}";

    private sealed record SyncInput(string? AccountId);

    private sealed class SyncInputValidator : AbstractValidator<SyncInput>
    {
        public SyncInputValidator() =>
            RuleFor(s => s.AccountId!).MustBeId().When(s => s.AccountId is not null).OverridePropertyName("--account");
    }
}
