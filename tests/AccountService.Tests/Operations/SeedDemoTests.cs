using System.Text.Json;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Tests.Operations;

public sealed class SeedDemoTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task SeedDemoIsIdempotentAndPrintsAFreshKeyEachTime()
    {
        var first = await RunCliAsync("seed-demo", "--json");
        var second = await RunCliAsync("seed-demo", "--json");

        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        var firstKey = KeyOf(first.Output);
        var secondKey = KeyOf(second.Output);
        Assert.NotEqual(firstKey, secondKey);
        await using var db = CreateDbContext();
        Assert.Equal(["acc_demo"], await db.Accounts.Select(a => a.Id).ToListAsync());
        Assert.Equal(2, await db.Apps.CountAsync(a => a.AccountId == "acc_demo"));
        Assert.Equal(2, await db.AppSubscriptions.CountAsync());
        Assert.Equal(2, await db.ApiKeys.CountAsync(k => k.RevokedAt == null));
    }

    [Fact]
    public async Task RepeatedSeedingStaysWithinTheKeyLimit()
    {
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(0, (await RunCliAsync("seed-demo", "--json")).ExitCode);
        }

        await using var db = CreateDbContext();
        Assert.Equal(10, await db.ApiKeys.CountAsync(k => k.RevokedAt == null));
        Assert.Equal(12, await db.ApiKeys.CountAsync());
    }

    [Fact]
    public async Task SeedDemoMovesTheDemoAccountToTheStripeCustomerGiven()
    {
        var created = await RunCliAsync("seed-demo", "--json");
        var moved = await RunCliAsync("seed-demo", "--stripe-customer", "cus_test123", "--json");
        var kept = await RunCliAsync("seed-demo", "--json");

        Assert.Equal((0, 0, 0), (created.ExitCode, moved.ExitCode, kept.ExitCode));
        await using var db = CreateDbContext();
        Assert.Equal("cus_test123", await db.Accounts.Where(a => a.Id == "acc_demo").Select(a => a.StripeCustomerId).SingleAsync());
    }

    private static string KeyOf(string output)
    {
        using var json = JsonDocument.Parse(output);
        Assert.Equal("acc_demo", json.RootElement.GetProperty("accountId").GetString());
        return json.RootElement.GetProperty("key").GetString()!;
    }
}
