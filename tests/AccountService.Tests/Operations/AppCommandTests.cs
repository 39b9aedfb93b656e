using System.Text.Json;
using AccountService.Billing;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Tests.Operations;

public sealed class AppCommandTests(PostgresFixture database) : IntegrationTest(database)
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Assert.Equal(0, (await RunCliAsync("accounts", "create", "--id", "acc_1", "--name", "One")).ExitCode);
    }

    [Theory]
    [InlineData("--id", "-NtestApp123")]
    [InlineData("--id=-NtestApp123", null)]
    public async Task CreateAcceptsIdsThatStartWithADash(string first, string? second)
    {
        string[] idArgs = second is null ? [first] : [first, second];

        var result = await RunCliAsync(["apps", "create", "--account", "acc_1", "--name", "My Weather App", .. idArgs]);

        Assert.Equal(0, result.ExitCode);
        await using var db = CreateDbContext();
        var app = await db.Apps.Include(a => a.Subscription).SingleAsync();
        Assert.Equal(("-NtestApp123", "acc_1", "My Weather App"), (app.Id, app.AccountId, app.Name));
        Assert.Equal((PlanType.Monthly, SubscriptionStatus.None, false, null), (app.Subscription!.PlanType, app.Subscription.Status, app.Subscription.CancelAtPeriodEnd, app.Subscription.CurrentPeriodEnd));
    }

    [Fact]
    public async Task CreateWithoutAnIdGeneratesAnOrbitKitStyleId()
    {
        var result = await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "A", "--plan", "yearly", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Matches("^-N[A-Za-z0-9]{18}$", json.RootElement.GetProperty("id").GetString());
        await using var db = CreateDbContext();
        Assert.Equal(PlanType.Yearly, (await db.AppSubscriptions.SingleAsync()).PlanType);
    }

    [Fact]
    public async Task CreateForAMissingAccountFailsAndWritesNothing()
    {
        var result = await RunCliAsync("apps", "create", "--account", "acc_missing", "--name", "A", "--id", "-Nx");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: account acc_missing not found", result.Error.Trim());
        await using var db = CreateDbContext();
        Assert.Equal(0, await db.Apps.CountAsync());
        Assert.Equal(0, await db.AppSubscriptions.CountAsync());
    }

    [Fact]
    public async Task CreateWithADuplicateIdFails()
    {
        await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "A", "--id", "-Ndup");

        var result = await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "B", "--id", "-Ndup");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: app -Ndup already exists", result.Error.Trim());
        await using var db = CreateDbContext();
        Assert.Equal("A", (await db.Apps.SingleAsync()).Name);
    }

    [Fact]
    public async Task SubscriptionsSetUpdatesTheSeat()
    {
        await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "A", "--id", "-Nseat");

        var result = await RunCliAsync(
            "subscriptions", "set", "--app", "-Nseat", "--plan", "yearly", "--status", "past_due",
            "--cancel-at-period-end", "--period-end", "1767225600", "--stripe-subscription", "sub_9");

        Assert.Equal(0, result.ExitCode);
        await using var db = CreateDbContext();
        var seat = await db.AppSubscriptions.SingleAsync();
        Assert.Equal(
            (PlanType.Yearly, SubscriptionStatus.PastDue, true, 1767225600L, "sub_9"),
            (seat.PlanType, seat.Status, seat.CancelAtPeriodEnd, seat.CurrentPeriodEnd!.Value.ToUnixTimeSeconds(), seat.StripeSubscriptionId));
    }

    [Fact]
    public async Task SubscriptionsSetKeepsTheStripeLinkUnlessToldToUnlink()
    {
        await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "A", "--id", "-Nlinked");
        Assert.Equal(0, (await RunCliAsync("subscriptions", "set", "--app", "-Nlinked", "--plan", "monthly", "--status", "active", "--stripe-subscription", "sub_9")).ExitCode);

        var kept = await RunCliAsync("subscriptions", "set", "--app", "-Nlinked", "--plan", "yearly", "--status", "past_due");
        var keptLink = await LinkAsync();
        var both = await RunCliAsync("subscriptions", "set", "--app", "-Nlinked", "--plan", "yearly", "--status", "active", "--stripe-subscription", "sub_10", "--unlink-stripe");
        var afterBoth = await LinkAsync();
        var unlinked = await RunCliAsync("subscriptions", "set", "--app", "-Nlinked", "--plan", "yearly", "--status", "canceled", "--unlink-stripe");

        Assert.Equal((0, "sub_9"), (kept.ExitCode, keptLink));
        Assert.Equal((2, "error: --unlink-stripe: cannot be combined with --stripe-subscription", "sub_9"), (both.ExitCode, both.Error.Trim(), afterBoth));
        Assert.Equal((0, (string?)null), (unlinked.ExitCode, await LinkAsync()));
    }

    [Fact]
    public async Task SubscriptionsSetUsageSaysTheLinkIsKept()
    {
        var help = await RunCliAsync("subscriptions", "set", "--help");

        Assert.Contains("--unlink-stripe", help.Output, StringComparison.Ordinal);
        Assert.Contains("kept", help.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none", nameof(SubscriptionStatus.None))]
    [InlineData("active", nameof(SubscriptionStatus.Active))]
    [InlineData("past_due", nameof(SubscriptionStatus.PastDue))]
    [InlineData("canceled", nameof(SubscriptionStatus.Canceled))]
    public async Task SubscriptionsSetStoresEveryStatus(string status, string stored)
    {
        await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "A", "--id", "-Nst", "--plan", "yearly");

        var result = await RunCliAsync("subscriptions", "set", "--app=-Nst", "--plan", "monthly", "--status", status);

        Assert.Equal(0, result.ExitCode);
        await using var db = CreateDbContext();
        var seat = await db.AppSubscriptions.SingleAsync();
        Assert.Equal(("-Nst", PlanType.Monthly, stored, false), (seat.AppId, seat.PlanType, seat.Status.ToString(), seat.CancelAtPeriodEnd));
    }

    [Theory]
    [InlineData("--plan", "weekly", 2)]
    [InlineData("--status", "trialing", 2)]
    [InlineData("--period-end", "-5", 2)]
    [InlineData("--period-end", "soon", 2)]
    [InlineData("--app", "-Nmissing", 1)]
    public async Task SubscriptionsSetRejectsBadInputAndChangesNothing(string option, string value, int exitCode)
    {
        await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "A", "--id", "-Nkeep");
        var args = new List<string> { "subscriptions", "set", "--app", "-Nkeep", "--plan", "yearly", "--status", "active", "--period-end", "100" };
        args[args.IndexOf(option) + 1] = value;

        var result = await RunCliAsync([.. args]);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        await using var db = CreateDbContext();
        var seat = await db.AppSubscriptions.SingleAsync();
        Assert.Equal((PlanType.Monthly, SubscriptionStatus.None), (seat.PlanType, seat.Status));
    }

    private async Task<string?> LinkAsync()
    {
        await using var db = CreateDbContext();
        return (await db.AppSubscriptions.AsNoTracking().SingleAsync()).StripeSubscriptionId;
    }
}
