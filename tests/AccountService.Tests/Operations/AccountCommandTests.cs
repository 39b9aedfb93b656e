using System.Text.Json;
using AccountService.Accounts;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Tests.Operations;

public sealed class AccountCommandTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task CreateStoresEveryOptionAndPrintsJson()
    {
        var result = await RunCliAsync(
            "accounts", "create", "--json", "--id", "acc_full", "--name", "Full Co", "--tier", "ENTERPRISE",
            "--status", "DISABLED_BY_ADMIN", "--billing-type", "AWS_MARKETPLACE", "--stripe-customer", "cus_123",
            "--stripe-subscription", "sub_456", "--aws-customer", "aws-cust-1",
            "--aws-license-arn", "arn:aws:license-manager::123:license:l-1", "--aws-subscription-status", "subscribe-success");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal("acc_full", json.RootElement.GetProperty("id").GetString());
        Assert.Equal("ENTERPRISE", json.RootElement.GetProperty("tier").GetString());
        await using var db = CreateDbContext();
        var account = await db.Accounts.SingleAsync();
        Assert.Equal(
            ("acc_full", "Full Co", AccountTier.Enterprise, AccountStatus.DisabledByAdmin, BillingType.AwsMarketplace),
            (account.Id, account.Name, account.Tier, account.Status, account.BillingType));
        Assert.Equal(
            ("cus_123", "sub_456", "aws-cust-1", "arn:aws:license-manager::123:license:l-1", "subscribe-success"),
            (account.StripeCustomerId, account.StripeSubscriptionId, account.AwsCustomerIdentifier, account.AwsLicenseArn, account.AwsSubscriptionStatus));
        Assert.True(DateTimeOffset.UtcNow - account.CreatedAt < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task CreateWithOnlyANameGeneratesAnIdAndUsesDefaults()
    {
        var result = await RunCliAsync("accounts", "create", "--name", "Plain");

        Assert.Equal(0, result.ExitCode);
        await using var db = CreateDbContext();
        var account = await db.Accounts.SingleAsync();
        Assert.Matches("^acc_[A-Za-z0-9]{20}$", account.Id);
        Assert.Equal($"created account {account.Id}", result.Output.Trim());
        Assert.Equal((AccountTier.Basic, AccountStatus.Enabled, BillingType.Stripe), (account.Tier, account.Status, account.BillingType));
        Assert.Null(account.StripeCustomerId);
    }

    [Theory]
    [InlineData("BASIC", nameof(AccountTier.Basic))]
    [InlineData("PRO", nameof(AccountTier.Pro))]
    [InlineData("ENTERPRISE", nameof(AccountTier.Enterprise))]
    [InlineData("TRIAL", nameof(AccountTier.Trial))]
    public async Task CreateStoresEveryTier(string tier, string stored)
    {
        var result = await RunCliAsync("accounts", "create", "--id", "acc_t", "--name", "T", "--tier", tier);

        Assert.Equal(0, result.ExitCode);
        await using var db = CreateDbContext();
        var account = await db.Accounts.SingleAsync();
        Assert.Equal(("acc_t", stored, AccountStatus.Enabled), (account.Id, account.Tier.ToString(), account.Status));
    }

    [Theory]
    [InlineData("ONBOARDING", nameof(AccountStatus.Onboarding))]
    [InlineData("ENABLED", nameof(AccountStatus.Enabled))]
    [InlineData("DISABLED_BY_ADMIN", nameof(AccountStatus.DisabledByAdmin))]
    [InlineData("DISABLED_QUOTA_REACHED", nameof(AccountStatus.DisabledQuotaReached))]
    [InlineData("TRIAL_CANCELLED", nameof(AccountStatus.TrialCancelled))]
    [InlineData("STRIPE_PENDING_RESOURCES", nameof(AccountStatus.StripePendingResources))]
    public async Task CreateStoresEveryStatus(string status, string stored)
    {
        var result = await RunCliAsync("accounts", "create", "--id", "acc_s", "--name", "S", "--status", status);

        Assert.Equal(0, result.ExitCode);
        await using var db = CreateDbContext();
        var account = await db.Accounts.SingleAsync();
        Assert.Equal(("acc_s", AccountTier.Basic, stored), (account.Id, account.Tier, account.Status.ToString()));
    }

    [Theory]
    [InlineData("--tier", "GOLD")]
    [InlineData("--tier", "ACCOUNT_TIER_PRO")]
    [InlineData("--tier", "pro")]
    [InlineData("--status", "ACTIVE")]
    [InlineData("--billing-type", "PAYPAL")]
    [InlineData("--stripe-customer", "cust_123")]
    [InlineData("--stripe-subscription", "cus_123")]
    [InlineData("--aws-license-arn", "license-1")]
    [InlineData("--id", "acc with space")]
    [InlineData("--name", "")]
    [InlineData("--name", "   ")]
    [InlineData("--name", "Evil\u202Eoc.exe")]
    [InlineData("--name", "Zero\u200Bwidth")]
    [InlineData("--name", "Two\u2028lines")]
    [InlineData("--unknown", "x")]
    public async Task CreateRejectsBadInputWithOneLineAndWritesNothing(string option, string value)
    {
        var args = new List<string> { "accounts", "create", "--id", "acc_bad", "--name", "Bad" };
        var at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var result = await RunCliAsync([.. args]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Equal("", result.Output);
        Assert.Equal(0, await CountAsync());
    }

    [Fact]
    public async Task ANameIsStoredInNfcAsKeyNamesAre()
    {
        var result = await RunCliAsync("accounts", "create", "--id", "acc_nfc", "--name", "Cafe\u0301");

        Assert.Equal(0, result.ExitCode);
        await using var db = CreateDbContext();
        Assert.Equal("Caf\u00e9", (await db.Accounts.SingleAsync(a => a.Id == "acc_nfc")).Name);
    }

    [Fact]
    public async Task CreateRejectsATooLongName()
    {
        var result = await RunCliAsync("accounts", "create", "--name", new string('n', 201));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--name", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync());
    }

    [Fact]
    public async Task CreateWithADuplicateIdFailsAndLeavesTheExistingAccountAlone()
    {
        await RunCliAsync("accounts", "create", "--id", "acc_dup", "--name", "First", "--tier", "PRO");

        var result = await RunCliAsync("accounts", "create", "--id", "acc_dup", "--name", "Second", "--tier", "TRIAL");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: account acc_dup already exists", result.Error.Trim());
        await using var db = CreateDbContext();
        var account = await db.Accounts.SingleAsync();
        Assert.Equal(("First", AccountTier.Pro), (account.Name, account.Tier));
    }

    [Fact]
    public async Task DeleteRemovesTheAccountWithItsAppsSeatsAndKeys()
    {
        await RunCliAsync("accounts", "create", "--id", "acc_gone", "--name", "Gone");
        await RunCliAsync("accounts", "create", "--id", "acc_kept", "--name", "Kept");
        await RunCliAsync("apps", "create", "--account", "acc_gone", "--name", "A", "--id", "-NgoneApp");
        await RunCliAsync("apps", "create", "--account", "acc_kept", "--name", "B", "--id", "-NkeptApp");
        await RunCliAsync("keys", "create", "--account", "acc_gone", "--name", "k");
        await RunCliAsync("keys", "create", "--account", "acc_kept", "--name", "k");

        var result = await RunCliAsync("accounts", "delete", "--id", "acc_gone");

        Assert.Equal(0, result.ExitCode);
        await using var db = CreateDbContext();
        Assert.Equal(["acc_kept"], await db.Accounts.Select(a => a.Id).ToListAsync());
        Assert.Equal(["-NkeptApp"], await db.Apps.Select(a => a.Id).ToListAsync());
        Assert.Equal(["-NkeptApp"], await db.AppSubscriptions.Select(s => s.AppId).ToListAsync());
        Assert.Equal(["acc_kept"], await db.ApiKeys.Select(k => k.AccountId).ToListAsync());
    }

    [Fact]
    public async Task DeleteOfAMissingAccountFails()
    {
        var result = await RunCliAsync("accounts", "delete", "--id", "acc_nope");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: account acc_nope not found", result.Error.Trim());
    }

    [Fact]
    public async Task WithoutAConnectionStringTheCommandNamesTheMissingSetting()
    {
        var result = await RunCliOnAsync("", "accounts", "create", "--name", "X");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ConnectionStrings:Accounts is required", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableDatabaseIsOneLineAndExitCodeOne()
    {
        var closed = $"Host=127.0.0.1;Port={PostgresServer.FreeLoopbackPort()};Username=postgres;Timeout=3";

        var result = await RunCliOnAsync(closed, "accounts", "create", "--name", "X");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: database error:", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    private async Task<int> CountAsync()
    {
        await using var db = CreateDbContext();
        return await db.Accounts.CountAsync();
    }
}
