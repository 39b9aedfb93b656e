using System.CommandLine;
using AccountService.Accounts;
using AccountService.Data;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Operations;

/// <summary><c>accounts create</c> and <c>accounts delete</c>.</summary>
internal static class AccountCommands
{
    public static Command Build(OperatorCommands.Runner runner) => new("accounts", "Create and delete accounts.")
    {
        CreateCommand(runner),
        DeleteCommand(runner),
    };

    private static Command CreateCommand(OperatorCommands.Runner runner)
    {
        var name = new Option<string>("--name") { Description = "Display name.", Required = true };
        var id = new Option<string?>("--id") { Description = "Account id (default: a new acc_… id)." };
        var tier = EnumOption("--tier", StoredNames.Tier, "Tier.", AccountTier.Basic);
        var status = EnumOption("--status", StoredNames.Status, "Status.", AccountStatus.Enabled);
        var billingType = EnumOption("--billing-type", StoredNames.BillingType, "Who bills the account.", BillingType.Stripe);
        var stripeCustomer = new Option<string?>("--stripe-customer") { Description = "Stripe customer id (cus_…)." };
        var stripeSubscription = new Option<string?>("--stripe-subscription") { Description = "Active Stripe subscription id (sub_…)." };
        var awsCustomer = new Option<string?>("--aws-customer") { Description = "AWS Marketplace customer identifier." };
        var awsLicenseArn = new Option<string?>("--aws-license-arn") { Description = "AWS Marketplace license ARN." };
        var awsStatus = new Option<string?>("--aws-subscription-status") { Description = "AWS Marketplace subscription status." };

        var command = new Command("create", "Create an account.")
        {
            name, id, tier, status, billingType, stripeCustomer, stripeSubscription, awsCustomer, awsLicenseArn, awsStatus,
        };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var account = new Account
            {
                Id = parsed.GetValue(id) ?? Ids.NewAccountId(),
                Name = parsed.GetRequiredValue(name),
                Tier = StoredNames.Tier.Parse(parsed.GetRequiredValue(tier)),
                Status = StoredNames.Status.Parse(parsed.GetRequiredValue(status)),
                BillingType = StoredNames.BillingType.Parse(parsed.GetRequiredValue(billingType)),
                StripeCustomerId = parsed.GetValue(stripeCustomer),
                StripeSubscriptionId = parsed.GetValue(stripeSubscription),
                AwsCustomerIdentifier = parsed.GetValue(awsCustomer),
                AwsLicenseArn = parsed.GetValue(awsLicenseArn),
                AwsSubscriptionStatus = parsed.GetValue(awsStatus),
            };
            await new AccountValidator().ValidateAndThrowAsync(account, ct);
            account.Name = NameRules.NormalizeName(account.Name);

            if (await context.Db.Accounts.AnyAsync(a => a.Id == account.Id, ct))
            {
                throw new OperatorException($"account {account.Id} already exists");
            }

            context.Db.Accounts.Add(account);
            await context.Db.SaveChangesAsync(ct);
            context.Report(account, $"created account {account.Id}");
        });
        return command;
    }

    private static Command DeleteCommand(OperatorCommands.Runner runner)
    {
        var id = new Option<string>("--id") { Description = "Account id.", Required = true };
        var command = new Command("delete", "Delete an account with its apps, subscriptions and API keys.") { id };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var accountId = parsed.GetRequiredValue(id);

            // The foreign keys cascade: apps, their seats and the account's keys go with it.
            var deleted = await context.Db.Accounts.Where(a => a.Id == accountId).ExecuteDeleteAsync(ct);
            if (deleted == 0)
            {
                throw new OperatorException($"account {accountId} not found");
            }

            context.Report(new { id = accountId, deleted = true }, $"deleted account {accountId}");
        });
        return command;
    }

    /// <summary>
    /// An option taking one of an enum's stored names (e.g. <c>DISABLED_BY_ADMIN</c>, <c>past_due</c>); with no
    /// default it is required.
    /// </summary>
    internal static Option<string> EnumOption<TEnum>(string name, EnumText<TEnum> names, string description, TEnum? defaultValue = null)
        where TEnum : struct, Enum
    {
        var option = new Option<string>(name)
        {
            Description = $"{description} One of: {string.Join(", ", names.Names)}.",
            Required = defaultValue is null,
        };
        if (defaultValue is { } value)
        {
            option.DefaultValueFactory = _ => names.ToText(value);
        }

        option.AcceptOnlyFromAmong([.. names.Names]);
        return option;
    }

    /// <summary>The rules an account given on the command line must meet, each reported under its option's name.</summary>
    private sealed class AccountValidator : AbstractValidator<Account>
    {
        public AccountValidator()
        {
            RuleFor(a => a.Id).MustBeId().OverridePropertyName("--id");
            RuleFor(a => a.Name).MustBeName(Limits.NameLength).OverridePropertyName("--name");
            RuleFor(a => a.StripeCustomerId).MustBeStripeId("cus_").OverridePropertyName("--stripe-customer");
            RuleFor(a => a.StripeSubscriptionId).MustBeStripeId("sub_").OverridePropertyName("--stripe-subscription");
            RuleFor(a => a.AwsCustomerIdentifier).MustBeText(Limits.ExternalIdLength).OverridePropertyName("--aws-customer");
            RuleFor(a => a.AwsLicenseArn)
                .MustBeText(Limits.ArnLength)
                .Must(arn => arn is null || arn.StartsWith("arn:", StringComparison.Ordinal))
                .WithMessage("must be an ARN (arn:…)")
                .OverridePropertyName("--aws-license-arn");
            RuleFor(a => a.AwsSubscriptionStatus).MustBeText(Limits.ExternalIdLength).OverridePropertyName("--aws-subscription-status");
        }
    }
}
