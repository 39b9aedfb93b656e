using System.Diagnostics;
using System.Net;
using AccountService.Data;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;
using Npgsql;

namespace AccountService.Tests.Errors;

/// <summary>A database that answers too slowly or runs out of connections costs a request seconds and a 503.</summary>
public sealed class DatabaseFaultTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public void TheServiceBoundsConnectAndStatementTimesUnlessTheConnectionStringSetsThem()
    {
        var defaults = new NpgsqlConnectionStringBuilder(new DatabaseOptions { ConnectionString = "Host=db;Username=u" }.EffectiveConnectionString);
        var explicitValues = new NpgsqlConnectionStringBuilder(
            new DatabaseOptions { ConnectionString = "Host=db;Username=u;Timeout=9;Command Timeout=11" }.EffectiveConnectionString);

        Assert.Equal((3, 5, 20, true, 16), (defaults.Timeout, defaults.CommandTimeout, defaults.MaxAutoPrepare, defaults.NoResetOnClose, defaults.MaxPoolSize));
        Assert.Equal((9, 11), (explicitValues.Timeout, explicitValues.CommandTimeout));

        // A pool size written in any of the driver's spellings stands; a minimum above the default raises the maximum
        // to it rather than making a string the driver refuses.
        foreach (var written in new[] { "Maximum Pool Size=40", "MaxPoolSize=40" })
        {
            Assert.Equal(40, new NpgsqlConnectionStringBuilder(new DatabaseOptions { ConnectionString = "Host=db;" + written }.EffectiveConnectionString).MaxPoolSize);
        }

        var minimum = new NpgsqlConnectionStringBuilder(new DatabaseOptions { ConnectionString = "Host=db;Minimum Pool Size=24" }.EffectiveConnectionString);
        Assert.Equal((24, 24), (minimum.MinPoolSize, minimum.MaxPoolSize));

        // A primary and its standbys: what the driver learnt of a host is rechecked after a second, not 10 s.
        var hosts = "Host=db1:5432,db2:5432;Username=u;Target Session Attributes=primary";
        Assert.Equal(10, defaults.HostRecheckSeconds);
        Assert.Equal(1, new NpgsqlConnectionStringBuilder(new DatabaseOptions { ConnectionString = hosts }.EffectiveConnectionString).HostRecheckSeconds);
        Assert.Equal(4, new NpgsqlConnectionStringBuilder(new DatabaseOptions { ConnectionString = hosts + ";Host Recheck Seconds=4" }.EffectiveConnectionString).HostRecheckSeconds);
    }

    [Fact]
    public async Task AStatementBlockedPastTheCommandTimeoutIs503()
    {
        await SeedAccountAsync("acc_1");
        await using var factory = new AccountApiFactory(With("Command Timeout=1"));
        using var client = factory.CreateClient();
        await using var lockHolder = await LockAccountsAsync();

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}"));
        clock.Stop();

        var error = await ErrorEnvelopeTests.ErrorOfAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("SERVICE_UNAVAILABLE", error["code"]!.GetValue<string>());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AnExhaustedConnectionPoolIs503WithinTheWaitBound()
    {
        await SeedAccountAsync("acc_1");
        await using var factory = new AccountApiFactory(With("Maximum Pool Size=1;Timeout=1;Command Timeout=3"));
        using var client = factory.CreateClient();
        await using var lockHolder = await LockAccountsAsync();

        var clock = Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}"))));
        clock.Stop();

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains(factory.Logs, l => l.Contains("Database unavailable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BeyondTheConcurrencyAndQueueBoundsRequestsAreShedWith503()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        await using var stripe = await StripeStub.StartAsync();
        var customer = stripe.Customer("cus_1");
        customer.DefaultCard = new StubCard("pm_1", "visa", "4242", 1, 2030);
        customer.Delay = TimeSpan.FromSeconds(1);
        var settings = stripe.Settings();
        settings["Server:MaxConcurrentRequests"] = "1";
        settings["Server:MaxQueuedRequests"] = "0";
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}"))).StatusCode);

        var slow = client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}", "/api/account"));
        await Signals.WaitUntilAsync(() => stripe.CallsFor("cus_1") == 1, TimeSpan.FromSeconds(10), "the slow request holds the only slot");
        using var shed = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}", "/api/account"));
        using var live = await client.GetAsync("/health/live");

        var error = await ErrorEnvelopeTests.ErrorOfAsync(shed, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("The service is overloaded. Try again shortly.", error["message"]!.GetValue<string>());
        Assert.Equal("5", shed.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await slow).StatusCode);
    }

    [Fact]
    public async Task ARequestPastTheRequestTimeoutIs503()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        await using var stripe = await StripeStub.StartAsync();
        stripe.Customer("cus_1").Delay = TimeSpan.FromSeconds(5);
        var settings = stripe.Settings(TimeSpan.FromSeconds(10));
        settings["Server:RequestTimeout"] = "00:00:00.500";
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        await client.GetAsync("/health/ready");

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}", "/api/account"));
        clock.Stop();

        var error = await ErrorEnvelopeTests.ErrorOfAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("The request took too long. Try again shortly.", error["message"]!.GetValue<string>());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.DoesNotContain(factory.Logs, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TimeQueuedForATurnCountsAgainstTheRequestTimeout()
    {
        await SeedAccountAsync("acc_1", a => a.StripeCustomerId = "cus_1");
        await using var stripe = await StripeStub.StartAsync();
        var customer = stripe.Customer("cus_1");
        customer.DefaultCard = new StubCard("pm_1", "visa", "4242", 1, 2030);
        customer.Delay = TimeSpan.FromSeconds(20);
        var settings = stripe.Settings(TimeSpan.FromSeconds(30));
        settings["Server:MaxConcurrentRequests"] = "1";
        settings["Server:RequestTimeout"] = "00:00:02";
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();
        await client.GetAsync("/health/ready");

        // The first request holds the only slot (Stripe is slow); the next two queue behind it.
        var first = TimedSendAsync(client);
        await Signals.WaitUntilAsync(() => stripe.CallsFor("cus_1") == 1, TimeSpan.FromSeconds(10), "the first request holds the slot");
        var second = TimedSendAsync(client);
        var third = TimedSendAsync(client);
        var answers = await Task.WhenAll(first, second, third);

        foreach (var (response, elapsed) in answers)
        {
            var error = await ErrorEnvelopeTests.ErrorOfAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("The request took too long. Try again shortly.", error["message"]!.GetValue<string>());
            Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
            Assert.True(elapsed < TimeSpan.FromSeconds(4), $"answered after {elapsed}, past the 2 s request timeout");
            response.Dispose();
        }
    }

    private static async Task<(HttpResponseMessage Response, TimeSpan Elapsed)> TimedSendAsync(HttpClient client)
    {
        var clock = Stopwatch.StartNew();
        var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_1")}", "/api/account"));
        return (response, clock.Elapsed);
    }

    private string With(string extra) => $"{Database.ConnectionString};{extra}";

    // Another session holds an exclusive lock on accounts, so every read of it waits.
    private async Task<AsyncLock> LockAccountsAsync()
    {
        var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new AsyncLock(connection, transaction);
    }

    private sealed class AsyncLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
