using System.CommandLine;
using AccountService.Accounts;
using AccountService.ApiKeys;
using AccountService.Billing;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Operations;

/// <summary>
/// <c>seed-demo</c>: the demo account with two apps and their seats, created if missing (existing rows are left as
/// they are), and a fresh API key for it. <c>--stripe-customer</c> moves the demo account to another Stripe customer
/// (scripts/dev's in Stripe's test mode). Tests run it only to check the verb itself.
/// </summary>
internal static class DemoSeed
{
    public const string AccountId = "acc_demo";
    private const string KeyName = "demo";

    /// <summary>The customer scripts/dev's Stripe stand-in serves.</summary>
    private const string StripeCustomerId = "cus_demo";

    public static Command Build(OperatorCommands.Runner runner)
    {
        var stripeCustomer = new Option<string?>("--stripe-customer")
        {
            Description = $"The demo account's Stripe customer (default {StripeCustomerId}); an existing demo account is moved to it.",
        };
        var command = new Command("seed-demo", "Create the demo account and apps if missing; print a fresh API key for it.") { stripeCustomer };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var db = context.Db;
            var customer = parsed.GetValue(stripeCustomer);
            if (await db.Accounts.AnyAsync(a => a.Id == AccountId, ct))
            {
                if (customer is not null)
                {
                    await db.Accounts.Where(a => a.Id == AccountId).ExecuteUpdateAsync(set => set.SetProperty(a => a.StripeCustomerId, customer), ct);
                }
            }
            else
            {
                var now = context.Time.GetUtcNow();
                db.Accounts.Add(new Account
                {
                    Id = AccountId,
                    Name = "Demo Account",
                    Tier = AccountTier.Pro,
                    Status = AccountStatus.Enabled,
                    BillingType = BillingType.Stripe,
                    StripeCustomerId = customer ?? StripeCustomerId,
                    StripeSubscriptionId = "sub_demo",
                    Apps =
                    {
                        DemoApp("-NdemoWeatherApp01", "My Weather App", PlanType.Monthly, now.AddDays(21)),
                        DemoApp("-NdemoTodoApp00002", "Todo Tracker", PlanType.Yearly, now.AddDays(200)),
                    },
                });
                await db.SaveChangesAsync(ct);
            }

            // Each run hands out a fresh key; the oldest demo keys make room once the account is at its limit.
            var active = await db.ApiKeys
                .Where(k => k.AccountId == AccountId && k.RevokedAt == null)
                .OrderBy(k => k.CreatedAt)
                .ToListAsync(ct);
            foreach (var stale in active.Where(k => k.Name == KeyName).Take(active.Count - ApiKeyRules.MaxActiveKeysPerAccount + 1))
            {
                stale.RevokedAt = context.Time.GetUtcNow();
            }

            await db.SaveChangesAsync(ct);
            var key = await KeyCommands.CreateKeyAsync(context, AccountId, KeyName, ct);
            context.Report(new { accountId = AccountId, key.KeyId, key.Key }, $"account: {AccountId}{Environment.NewLine}key: {key.Key}");
        });
        return command;
    }

    private static App DemoApp(string id, string name, PlanType plan, DateTimeOffset periodEnd) => new()
    {
        Id = id,
        AccountId = AccountId,
        Name = name,
        Subscription = new AppSubscription
        {
            AppId = id,
            PlanType = plan,
            Status = SubscriptionStatus.Active,
            CurrentPeriodEnd = DateTimeOffset.FromUnixTimeSeconds(periodEnd.ToUnixTimeSeconds()),
        },
    };
}
