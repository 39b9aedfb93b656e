using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Accounts;

/// <summary>
/// The official Runloop TypeScript SDK (tests/sdk, pinned by its lockfile) against the real service over HTTPS on
/// loopback: its default HTTP/2 client, its HTTP/1.1 client, and its error for a bad key.
/// </summary>
public sealed class RunloopSdkTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task TheOfficialSdkReadsTheAccountOverHttp2AndHttp11AndDoesNotRetryA401()
    {
        await SeedAccountAsync("acc_sdk", a =>
        {
            a.Name = "SDK Co";
            a.Tier = AccountService.Accounts.AccountTier.Enterprise;
            a.Status = AccountService.Accounts.AccountStatus.Onboarding;
            a.BillingType = AccountService.Accounts.BillingType.AwsMarketplace;
            a.StripeCustomerId = "cus_sdk";
            a.StripeSubscriptionId = "sub_sdk";
            a.AwsCustomerIdentifier = "123456789012";
            a.AwsLicenseArn = "arn:aws:license-manager::123456789012:license:l-sdk";
            a.AwsSubscriptionStatus = "subscribe-success";
        });
        var key = await SeedKeyAsync("acc_sdk");
        using var certificate = TestCertificates.Create();
        var caFile = TestCertificates.WritePem(certificate);
        var settings = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore.Hosting"] = "Information" };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.StartKestrel(certificate);
        using var expected = await client.SendAsync(Auth.AuthenticationTests.Request($"Bearer {key}"));
        var expectedJson = await expected.Content.ReadAsStringAsync();

        var (exitCode, output) = await NodeScript.RunAsync("sdk", ["--test", "--test-reporter=tap", "accounts-me.test.mjs"], new Dictionary<string, string>
        {
            ["RUNLOOP_BASE_URL"] = client.BaseAddress!.ToString().TrimEnd('/'),
            ["RUNLOOP_API_KEY"] = key,
            ["NODE_EXTRA_CA_CERTS"] = caFile,
            ["EXPECTED_ACCOUNT"] = expectedJson,
            ["BAD_API_KEY"] = "ok_Zz0Zz0Zz_QQQQQQQQQQQQQQQQQQQQQQQQ",
        },
        requiredPackage: "@runloop/api-client");
        File.Delete(caFile);

        Assert.True(exitCode == 0, output);
        Assert.Contains("# pass 3", output, StringComparison.Ordinal);
        var finished = factory.Logs.Where(l => l.Contains("Request finished", StringComparison.Ordinal) && l.Contains("/v1/accounts/me", StringComparison.Ordinal)).ToList();
        Assert.Contains(finished, l => l.Contains("HTTP/2 GET", StringComparison.Ordinal) && l.Contains(" - 200 ", StringComparison.Ordinal));
        Assert.Contains(finished, l => l.Contains("HTTP/1.1 GET", StringComparison.Ordinal) && l.Contains(" - 200 ", StringComparison.Ordinal));
        Assert.Single(finished, l => l.Contains(" - 401 ", StringComparison.Ordinal));
    }
}
