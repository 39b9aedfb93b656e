using System.CommandLine;
using AccountService.Billing;
using AccountService.Data;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Operations;

/// <summary><c>apps create</c> and <c>subscriptions set</c>: an account's apps and each app's seat.</summary>
internal static class AppCommands
{
    public static Command Apps(OperatorCommands.Runner runner) =>
        new("apps", "Create an account's apps.") { CreateCommand(runner) };

    public static Command Subscriptions(OperatorCommands.Runner runner) =>
        new("subscriptions", "Set an app's subscription seat.") { SetSubscriptionCommand(runner) };

    private static Command CreateCommand(OperatorCommands.Runner runner)
    {
        var account = new Option<string>("--account") { Description = "Owning account id.", Required = true };
        var name = new Option<string>("--name") { Description = "Display name.", Required = true };
        var id = new Option<string?>("--id") { Description = "App id, e.g. -NtestApp123 (default: a new -N… id)." };
        var plan = AccountCommands.EnumOption("--plan", StoredNames.PlanType, "Plan of the app's seat.", PlanType.Monthly);

        var command = new Command("create", "Create an app with its seat (status none until set).") { account, name, id, plan };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var input = new AppInput(
                parsed.GetValue(id) ?? Ids.NewAppId(),
                parsed.GetRequiredValue(account),
                parsed.GetRequiredValue(name));
            await new AppInputValidator().ValidateAndThrowAsync(input, ct);

            if (!await context.Db.Accounts.AnyAsync(a => a.Id == input.AccountId, ct))
            {
                throw new OperatorException($"account {input.AccountId} not found");
            }

            if (await context.Db.Apps.AnyAsync(a => a.Id == input.Id, ct))
            {
                throw new OperatorException($"app {input.Id} already exists");
            }

            var app = new App
            {
                Id = input.Id,
                AccountId = input.AccountId,
                Name = NameRules.NormalizeName(input.Name),
                Subscription = new AppSubscription
                {
                    AppId = input.Id,
                    PlanType = StoredNames.PlanType.Parse(parsed.GetRequiredValue(plan)),
                    Status = SubscriptionStatus.None,
                },
            };
            context.Db.Apps.Add(app);
            await context.Db.SaveChangesAsync(ct);
            context.Report(
                new { id = app.Id, accountId = app.AccountId, name = app.Name, createdAt = app.CreatedAt },
                $"created app {app.Id} for account {app.AccountId}");
        });
        return command;
    }

    private static Command SetSubscriptionCommand(OperatorCommands.Runner runner)
    {
        var app = new Option<string>("--app") { Description = "App id.", Required = true };
        var plan = AccountCommands.EnumOption("--plan", StoredNames.PlanType, "Plan.");
        var status = AccountCommands.EnumOption("--status", StoredNames.SubscriptionStatus, "Seat status.");
        var cancelAtPeriodEnd = new Option<bool>("--cancel-at-period-end") { Description = "Cancel when the period ends." };
        var periodEnd = new Option<long?>("--period-end") { Description = "End of the current period, Unix seconds." };
        var stripeSubscription = new Option<string?>("--stripe-subscription")
        {
            Description = "Link the seat to this Stripe subscription (sub_…); without it the seat's link is kept.",
        };
        var unlinkStripe = new Option<bool>("--unlink-stripe") { Description = "Remove the seat's link to its Stripe subscription." };

        var command = new Command("set", "Set an app's seat: plan, status, period; its Stripe link is kept unless --stripe-subscription or --unlink-stripe is given.")
        {
            app, plan, status, cancelAtPeriodEnd, periodEnd, stripeSubscription, unlinkStripe,
        };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var input = new SeatInput(
                parsed.GetRequiredValue(app), parsed.GetValue(periodEnd), parsed.GetValue(stripeSubscription), parsed.GetValue(unlinkStripe));
            await new SeatInputValidator().ValidateAndThrowAsync(input, ct);

            var seat = await context.Db.AppSubscriptions.SingleOrDefaultAsync(s => s.AppId == input.AppId, ct);
            if (seat is null)
            {
                if (!await context.Db.Apps.AnyAsync(a => a.Id == input.AppId, ct))
                {
                    throw new OperatorException($"app {input.AppId} not found");
                }

                seat = new AppSubscription { AppId = input.AppId };
                context.Db.AppSubscriptions.Add(seat);
            }

            seat.PlanType = StoredNames.PlanType.Parse(parsed.GetRequiredValue(plan));
            seat.Status = StoredNames.SubscriptionStatus.Parse(parsed.GetRequiredValue(status));
            seat.CancelAtPeriodEnd = parsed.GetValue(cancelAtPeriodEnd);
            seat.CurrentPeriodEnd = input.PeriodEnd is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
            if (input.StripeSubscriptionId is not null || input.UnlinkStripe)
            {
                // Only when asked: a seat Stripe keeps current must not lose its link because an operator set its plan.
                seat.StripeSubscriptionId = input.StripeSubscriptionId;
            }

            seat.UpdatedAt = context.Time.GetUtcNow();
            await context.Db.SaveChangesAsync(ct);

            context.Report(
                new
                {
                    appId = seat.AppId,
                    planType = StoredNames.PlanType.ToText(seat.PlanType),
                    status = StoredNames.SubscriptionStatus.ToText(seat.Status),
                    cancelAtPeriodEnd = seat.CancelAtPeriodEnd,
                    currentPeriodEnd = seat.CurrentPeriodEnd?.ToUnixTimeSeconds(),
                    stripeSubscriptionId = seat.StripeSubscriptionId,
                },
                $"set subscription of app {seat.AppId}");
        });
        return command;
    }

    private sealed record AppInput(string Id, string AccountId, string Name);

    private sealed class AppInputValidator : AbstractValidator<AppInput>
    {
        public AppInputValidator()
        {
            RuleFor(a => a.Id).MustBeId().OverridePropertyName("--id");
            RuleFor(a => a.AccountId).MustBeId().OverridePropertyName("--account");
            RuleFor(a => a.Name).MustBeName(Limits.NameLength).OverridePropertyName("--name");
        }
    }

    private sealed record SeatInput(string AppId, long? PeriodEnd, string? StripeSubscriptionId, bool UnlinkStripe);

    private sealed class SeatInputValidator : AbstractValidator<SeatInput>
    {
        // Up to the end of year 9999: what a timestamptz and DateTimeOffset both hold.
        private const long MaxUnixSeconds = 253_402_300_799;

        public SeatInputValidator()
        {
            RuleFor(s => s.AppId).MustBeId().OverridePropertyName("--app");
            RuleFor(s => s.PeriodEnd)
                .InclusiveBetween(0, MaxUnixSeconds)
                .WithMessage("must be Unix seconds between 0 and 253402300799")
                .OverridePropertyName("--period-end");
            RuleFor(s => s.StripeSubscriptionId).MustBeStripeId("sub_").OverridePropertyName("--stripe-subscription");
            RuleFor(s => s.UnlinkStripe)
                .Equal(false)
                .When(s => s.StripeSubscriptionId is not null)
                .WithMessage("cannot be combined with --stripe-subscription")
                .OverridePropertyName("--unlink-stripe");
        }
    }
}
