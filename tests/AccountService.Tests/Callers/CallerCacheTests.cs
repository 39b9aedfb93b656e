using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using AccountService.Accounts;
using AccountService.Callers;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AccountService.Tests.Callers;

/// <summary>
/// Known callers are answered from memory, and every committed change reaches that memory within 100 ms however it
/// was made. These tests see changes arrive as a caller would: no barrier, requests repeated until the change shows.
/// </summary>
public sealed class CallerCacheTests(PostgresFixture database) : IntegrationTest(database)
{
    private static readonly TimeSpan PropagationLimit = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task KnownCallersCostNoDatabaseCommand()
    {
        await SeedAccountAsync("acc_db");
        var key = await SeedKeyAsync("acc_db");
        var jwt = TestAuth.Jwt("acc_db");
        await using var factory = Api(new() { [DatabaseStatements.Logged.Key] = DatabaseStatements.Logged.Value });
        using var client = factory.CreateClient();
        await factory.ListeningAsync();
        foreach (var (authorization, path) in Requests(key, jwt))
        {
            await SendAsync(client, authorization, path);
        }

        foreach (var (authorization, path) in Requests(key, jwt))
        {
            using var response = await client.SendAsync(DatabaseStatements.Tagged(AuthenticationTests.Request(authorization, path), out var requestId));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Empty(DatabaseStatements.InRequest(factory.Logs, requestId));
        }

        static IEnumerable<(string, string)> Requests(string key, string jwt) =>
        [
            ($"Bearer {key}", "/v1/accounts/me"),
            ($"Bearer {jwt}", "/v1/accounts/me"),
            ($"Bearer {key}", "/api/account"),
            ($"Bearer {jwt}", "/api/account"),
        ];
    }

    [Fact]
    public async Task AMissCostsOneStatementForWhatItDoesNotKnow()
    {
        await SeedAccountAsync("acc_1");
        await SeedAccountAsync("acc_2");
        var key = await SeedKeyAsync("acc_1");
        await using var factory = Api(new()
        {
            ["Cache:KeyUsageFlushInterval"] = "00:01:00",
            [DatabaseStatements.Logged.Key] = DatabaseStatements.Logged.Value,
        });
        using var client = factory.CreateClient();
        await factory.ListeningAsync();

        // The statements logged in the request's own scope (its X-Request-Id): not those of work in the background.
        async Task<int> StatementsAsync(string authorization)
        {
            using var response = await client.SendAsync(DatabaseStatements.Tagged(AuthenticationTests.Request(authorization), out var requestId));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return DatabaseStatements.InRequest(factory.Logs, requestId).Count();
        }

        var keyMiss = await StatementsAsync($"Bearer {key}");
        var keyHit = await StatementsAsync($"Bearer {key}");
        var jwtMiss = await StatementsAsync($"Bearer {TestAuth.Jwt("acc_2")}");
        var jwtHit = await StatementsAsync($"Bearer {TestAuth.Jwt("acc_2")}");
        await ExecuteAsync("UPDATE accounts SET name = 'Renamed' WHERE id = 'acc_1'");
        await factory.SeenAllChangesAsync();
        var accountChanged = await StatementsAsync($"Bearer {key}");

        // A new key: the key and its account in one statement; a JWT: the account; a known key whose account changed:
        // the account alone.
        Assert.Equal((1, 0, 1, 0, 1), (keyMiss, keyHit, jwtMiss, jwtHit, accountChanged));
    }

    [Fact]
    public async Task WithAHundredThousandCallersHeldAKeyRevokedBySqlFailsWithin100Ms()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var factory = Api();
        using var client = factory.CreateClient();
        await factory.ListeningAsync();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {key}"));
        Fill(factory.Callers, 100_000);
        Assert.True(factory.Callers.Count >= 100_000, $"{factory.Callers.Count} callers held");
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {key}"));

        using var watch = new ChangeWatch(factory.Notifications, "k:" + key[3..11]);
        await ExecuteAsync($"UPDATE api_keys SET revoked_at = now() WHERE key_id = '{key[3..11]}'");
        var lag = await watch.LagAfterAsync(Stopwatch.GetTimestamp());

        Assert.True(lag <= PropagationLimit, $"the revocation took {lag.TotalMilliseconds} ms with a full cache");
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, $"Bearer {key}"));
    }

    [Theory]
    [InlineData("cli")]
    [InlineData("sql")]
    public async Task ARevokedKeyFailsWithin100MsAndNeverSucceedsAgain(string how)
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var factory = Api();
        using var client = factory.CreateClient();
        await factory.ListeningAsync();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {key}"));

        using var watch = new ChangeWatch(factory.Notifications, "k:" + key[3..11]);
        if (how == "cli")
        {
            Assert.Equal(0, (await RunCliAsync("keys", "revoke", "--key-id", key[3..11])).ExitCode);
        }
        else
        {
            await ExecuteAsync($"UPDATE api_keys SET revoked_at = now() WHERE key_id = '{key[3..11]}'");
        }

        var lag = await watch.LagAfterAsync(Stopwatch.GetTimestamp());

        Assert.True(lag <= PropagationLimit, $"the revocation took {lag.TotalMilliseconds} ms to reach the service");
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, $"Bearer {key}"));
        }
    }

    [Theory]
    [InlineData("UPDATE accounts SET name = 'Renamed' WHERE id = 'acc_1'", "a:acc_1", "/v1/accounts/me", "name", "Renamed")]
    [InlineData("UPDATE accounts SET status = 'DISABLED_BY_ADMIN' WHERE id = 'acc_1'", "a:acc_1", "/v1/accounts/me", "account_status", "ACCOUNT_STATUS_DISABLED_BY_ADMIN")]
    [InlineData("UPDATE app_subscriptions SET status = 'past_due' WHERE app_id = '-Napp1'", "s:acc_1", "/api/account", "subscriptions.0.status", "past_due")]
    [InlineData("UPDATE apps SET name = 'Renamed app' WHERE id = '-Napp1'", "s:acc_1", "/api/account", "subscriptions.0.appName", "Renamed app")]
    public async Task AnAccountOrSeatChangedByPlainSqlIsSeenWithin100Ms(string sql, string notification, string path, string field, string expected)
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await RunCliAsync("apps", "create", "--account", "acc_1", "--name", "App", "--id", "-Napp1");
        await RunCliAsync("subscriptions", "set", "--app", "-Napp1", "--plan", "monthly", "--status", "active");
        await using var factory = Api();
        using var client = factory.CreateClient();
        await factory.ListeningAsync();
        foreach (var credential in new[] { key, TestAuth.Jwt("acc_1") })
        {
            Assert.NotEqual(expected, await FieldAsync(client, $"Bearer {credential}", path, field));
        }

        using var watch = new ChangeWatch(factory.Notifications, notification);
        await ExecuteAsync(sql);
        var lag = await watch.LagAfterAsync(Stopwatch.GetTimestamp());

        Assert.True(lag <= PropagationLimit, $"the change took {lag.TotalMilliseconds} ms to reach the service");
        foreach (var credential in new[] { key, TestAuth.Jwt("acc_1") })
        {
            Assert.Equal(expected, await FieldAsync(client, $"Bearer {credential}", path, field));
        }
    }

    [Fact]
    public async Task AKeyRevokedWhileItsMissWasBeingReadIsRefusedOnTheNextRequest()
    {
        await using var proxy = PostgresProxy.Start(Database.ConnectionString);
        var (factory, client, key) = await RevokedDuringTheMissAsync(proxy);
        await using var _ = factory;
        using var __ = client;

        var next = await SendAsync(client, $"Bearer {key}");

        Assert.Equal(HttpStatusCode.Unauthorized, next);
    }

    [Fact]
    public async Task AKeyRevokedWhileItsMissWasBeingReadIsNotServedFromMemoryWhileTheDatabaseIsDown()
    {
        await using var proxy = PostgresProxy.Start(Database.ConnectionString);
        var (factory, client, key) = await RevokedDuringTheMissAsync(proxy);
        await using var _ = factory;
        using var __ = client;

        // Its account is held and current, so a key held with it would be answered from memory (stale-if-error).
        proxy.TakeDown();
        string? whileDown;
        try
        {
            whileDown = await ErrorCodeAsync(client, $"Bearer {key}");
        }
        finally
        {
            proxy.BringBack();
        }

        Assert.Equal("SERVICE_UNAVAILABLE", whileDown);
    }

    /// <summary>
    /// An app (through <paramref name="proxy"/>) that holds acc_1 from a JWT request, then misses on a key of acc_1:
    /// after the miss has read the key as valid and before it is stored, the key is revoked and the app applies the
    /// notification. That request still succeeds (it read the key before the revocation).
    /// </summary>
    private async Task<(AccountApiFactory Factory, HttpClient Client, string Key)> RevokedDuringTheMissAsync(PostgresProxy proxy)
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        var keyId = key[3..11];
        var afterRead = new AfterTheKeyRead();
        var settings = new Dictionary<string, string?>
        {
            ["Cache:StaleIfError"] = "00:05:00",
            [DatabaseStatements.Logged.Key] = DatabaseStatements.Logged.Value,
        };
        var factory = new AccountApiFactory(
            proxy.ConnectionString,
            settings,
            services => services.AddSingleton<ILoggerProvider>(afterRead),
            seeOwnWrites: false);
        var client = factory.CreateClient();
        await factory.ListeningAsync();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {TestAuth.Jwt("acc_1")}"));

        afterRead.Then = async () =>
        {
            using var watch = new ChangeWatch(factory.Notifications, ChangeNotifications.KeyName(keyId));
            await ExecuteAsync($"UPDATE api_keys SET revoked_at = now() WHERE key_id = '{keyId}'");
            await watch.LagAfterAsync(Stopwatch.GetTimestamp());
        };
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {key}"));
        Assert.True(afterRead.Ran, "the revocation ran between the key's read and its store");
        return (factory, client, key);
    }

    [Fact]
    public async Task AKeyCreatedAfterItsIdWasLookedUpAndNotFoundWorksAtOnce()
    {
        await SeedAccountAsync("acc_1");
        await using var factory = Api();
        using var client = factory.CreateClient();
        await factory.ListeningAsync();
        const string keyId = "Neg4tive";
        const string secret = "abcdefghijklmnopqrstuvwx";
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, $"Bearer ok_{keyId}_{secret}"));

        await InsertKeyAsync("acc_1", keyId, secret);

        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer ok_{keyId}_{secret}"));
    }

    [Fact]
    public async Task AfterEveryBackendIsTerminatedAKeyRevokedBySqlFailsWithinOneSecond()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var factory = Api();
        using var client = factory.CreateClient();
        await factory.ListeningAsync();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {key}"));

        await ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");

        // The test process's own pooled connections died too (the app's are its own business).
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"UPDATE api_keys SET revoked_at = now() WHERE key_id = '{key[3..11]}'");
        var committed = Stopwatch.StartNew();

        var lag = await UntilAsync(client, $"Bearer {key}", "/v1/accounts/me", status => status == HttpStatusCode.Unauthorized, committed);
        Assert.True(lag <= TimeSpan.FromSeconds(1), $"the revocation took {lag.TotalMilliseconds} ms after the backends were terminated");
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, $"Bearer {key}"));
        await factory.ListeningAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, $"Bearer {key}"));
    }

    [Fact]
    public async Task WhileTheDatabaseIsDownKnownCallersAreServedForStaleIfErrorThenEveryoneGets503()
    {
        await SeedAccountAsync("acc_known");
        await SeedAccountAsync("acc_unknown");
        var known = await SeedKeyAsync("acc_known");
        var unknown = await SeedKeyAsync("acc_unknown");
        var staleIfError = TimeSpan.FromSeconds(4);
        // The service reaches the database through a relay the test takes down: the same outage in every mode.
        await using var proxy = PostgresProxy.Start(Database.ConnectionString);
        await using var factory = Api(new() { ["Cache:StaleIfError"] = "00:00:04" }, proxy.ConnectionString);
        using var client = factory.CreateClient();
        await factory.ListeningAsync();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {known}"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {TestAuth.Jwt("acc_known")}"));

        var stopping = Stopwatch.StartNew();
        proxy.TakeDown();
        try
        {
            var duringOutage = (
                Known: await SendAsync(client, $"Bearer {known}"),
                KnownJwt: await SendAsync(client, $"Bearer {TestAuth.Jwt("acc_known")}"),
                UnknownKey: await ErrorCodeAsync(client, $"Bearer {unknown}"),
                UnknownJwt: await ErrorCodeAsync(client, $"Bearer {TestAuth.Jwt("acc_unknown")}"));
            Assert.True(stopping.Elapsed < staleIfError, $"taking the database down took {stopping.Elapsed}: too slow to test inside the limit");
            Assert.Equal(
                (HttpStatusCode.OK, HttpStatusCode.OK, "SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE"),
                duringOutage);

            // Past the limit the known caller is refused too; it was served until then.
            var refusedAfter = await UntilAsync(client, $"Bearer {known}", "/v1/accounts/me", status => status != HttpStatusCode.OK, stopping, TimeSpan.FromSeconds(15));
            Assert.True(refusedAfter >= staleIfError, $"the known caller was refused after {refusedAfter}, before the {staleIfError} limit");
            Assert.Equal("SERVICE_UNAVAILABLE", await ErrorCodeAsync(client, $"Bearer {known}"));
        }
        finally
        {
            proxy.BringBack();
        }

        await ExecuteAsync("UPDATE accounts SET name = 'After the restart' WHERE id = 'acc_known'");
        await factory.ListeningAsync();
        Assert.Equal("After the restart", await FieldAsync(client, $"Bearer {known}", "/v1/accounts/me", "name"));
    }

    [Fact]
    public async Task TheCacheHoldsNoMoreThanItsMaximumWhateverTheNumberOfCallers()
    {
        var keys = new List<string>();
        for (var i = 0; i < 3 * CacheOptions.MinCallers; i++)
        {
            await SeedAccountAsync($"acc_{i}");
            keys.Add(await SeedKeyAsync($"acc_{i}"));
        }

        await using var factory = Api(new() { ["Cache:MaxCallers"] = $"{CacheOptions.MinCallers}" });
        using var client = factory.CreateClient();
        await factory.ListeningAsync();

        var peak = 0L;
        foreach (var key in keys.Concat(keys))
        {
            Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {key}"));
            factory.Callers.Maintain();
            peak = Math.Max(peak, factory.Callers.Count);
        }

        Assert.InRange(peak, 1, CacheOptions.MinCallers);
    }

    [Fact]
    public async Task OnceTheFailedCredentialBudgetIsSpentUnknownKeysCostNoDatabaseWork()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        await using var factory = Api(new()
        {
            ["RateLimits:PerIpPerMinute"] = "3",
            [DatabaseStatements.Logged.Key] = DatabaseStatements.Logged.Value,
        });
        using var client = factory.CreateClient();
        await factory.ListeningAsync();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {key}"));
        var unknownBeforeTheLimit = await SendAsync(client, "Bearer ok_Unknown1_abcdefghijklmnopqrstuvwx");
        var queriesForAnUnknownKey = factory.Logs.Count(DatabaseStatements.IsQuery);
        for (var i = 0; i < 2; i++)
        {
            await SendAsync(client, "Bearer not-a-key");
        }

        var before = factory.Logs.Count(DatabaseStatements.IsQuery);
        var unknownPastTheLimit = await SendAsync(client, "Bearer ok_Unknown2_abcdefghijklmnopqrstuvwx");
        var knownPastTheLimit = await SendAsync(client, $"Bearer {key}");

        Assert.Equal(HttpStatusCode.Unauthorized, unknownBeforeTheLimit);
        Assert.True(queriesForAnUnknownKey > 0, "an unknown key within the budget is looked up");
        Assert.Equal((HttpStatusCode.TooManyRequests, HttpStatusCode.OK), (unknownPastTheLimit, knownPastTheLimit));
        Assert.Empty(factory.Logs.Where(DatabaseStatements.IsQuery).Skip(before));
    }

    [Fact]
    public async Task LastUsedAtIsWrittenOffTheRequestPathAndFlushedOnShutdown()
    {
        await SeedAccountAsync("acc_1");
        var key = await SeedKeyAsync("acc_1");
        var factory = Api(new()
        {
            ["Cache:KeyUsageFlushInterval"] = "00:01:00",
            ["Logging:LogLevel:AccountService.Callers.KeyUsageRecorder"] = "Debug",
        });
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (factory)
        {
            using var client = factory.CreateClient();
            Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"Bearer {key}"));
            Assert.Null(await LastUsedAtAsync(key));
            factory.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() => stopped.TrySetResult());
        }

        // Disposing the factory stops the host, but the app's own run loop stops it too and may still be running its
        // hosted services' StopAsync when the dispose returns: wait for the host to report it stopped.
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(
            await LastUsedAtAsync(key) is not null,
            "not written on shutdown: " + string.Join(" | ", factory.Logs.Where(l => l.Contains("KeyUsageRecorder", StringComparison.Ordinal))));
    }

    /// <summary>
    /// Runs <see cref="Then"/> once, inside the request, after the first read of an API key has run: Npgsql logs a
    /// command as it completes, on the request's own path, so blocking here holds the request between the read and
    /// whatever it does with the row.
    /// </summary>
    private sealed class AfterTheKeyRead : ILoggerProvider, ILogger
    {
        private int _pending = 1;

        public Func<Task>? Then { get; set; }

        public bool Ran { get; private set; }

        public ILogger CreateLogger(string categoryName) => categoryName == "Npgsql.Command" ? this : NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = formatter(state, exception);
            if (Then is { } then && DatabaseStatements.Is(line) && line.Contains("FROM api_keys", StringComparison.Ordinal)
                && Interlocked.Exchange(ref _pending, 0) == 1)
            {
                then().GetAwaiter().GetResult();
                Ran = true;
            }
        }

        public void Dispose()
        {
        }
    }

    // Without the barrier: these tests see changes arrive as a caller would.
    private AccountApiFactory Api(Dictionary<string, string?>? settings = null, string? connectionString = null) =>
        new(connectionString ?? Database.ConnectionString, settings, seeOwnWrites: false);

    /// <summary>Holds <paramref name="count"/> made-up callers, each an API key of its own account.</summary>
    private static void Fill(CallerCache cache, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var keyId = $"F{i:D7}";
            var accountId = $"acc_fill_{i}";
            var keyStamp = cache.Begin(ChangeNotifications.KeyName(keyId));
            var accountStamp = cache.Begin(ChangeNotifications.AccountName(accountId));
            cache.StoreKey(
                keyId,
                new KeyRecord(accountId, new byte[32], revoked: false, lastUsedAt: null),
                keyStamp,
                new AccountRow(accountId, "Filler", AccountTier.Basic, AccountStatus.Enabled, DateTimeOffset.UnixEpoch, BillingType.Stripe, null, null, null, null, null),
                accountStamp);
        }

        cache.Maintain();
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string authorization, string path = "/v1/accounts/me")
    {
        using var response = await client.SendAsync(AuthenticationTests.Request(authorization, path));
        return response.StatusCode;
    }

    private static async Task<string?> ErrorCodeAsync(HttpClient client, string authorization)
    {
        using var response = await client.SendAsync(AuthenticationTests.Request(authorization));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())?["error"]?["code"]?.GetValue<string>();
    }

    private static async Task<string?> FieldAsync(HttpClient client, string authorization, string path, string field)
    {
        using var response = await client.SendAsync(AuthenticationTests.Request(authorization, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonNode? node = JsonNode.Parse(await response.Content.ReadAsStringAsync());
        foreach (var part in field.Split('.'))
        {
            node = int.TryParse(part, out var index) ? node?[index] : node?[part];
        }

        return node?.GetValue<string>();
    }

    /// <summary>Repeats the request until <paramref name="done"/>; returns how long after <paramref name="since"/> started it was.</summary>
    private static async Task<TimeSpan> UntilAsync(
        HttpClient client, string authorization, string path, Func<HttpStatusCode, bool> done, Stopwatch since, TimeSpan? limit = null)
    {
        var status = default(HttpStatusCode);
        var answeredAt = TimeSpan.Zero;
        await Signals.WaitUntilAsync(
            async () =>
            {
                status = await SendAsync(client, authorization, path);
                answeredAt = since.Elapsed;
                return done(status);
            },
            (limit ?? TimeSpan.FromSeconds(5)) - since.Elapsed,
            $"{path} answers as expected",
            () => $"still {status} after {answeredAt}");
        return answeredAt;
    }

    // Unpooled: one test terminates every backend, which would leave broken connections in the pool.
    private async Task InsertKeyAsync(string accountId, string keyId, string secret)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO api_keys (key_id, account_id, name, secret_hash) VALUES ($1, $2, 'test', sha256(convert_to($3, 'UTF8')))",
            connection)
        {
            Parameters = { new() { Value = keyId }, new() { Value = accountId }, new() { Value = secret } },
        };
        await command.ExecuteNonQueryAsync();
    }

    private async Task<DateTimeOffset?> LastUsedAtAsync(string key)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT last_used_at FROM api_keys WHERE key_id = $1", connection)
        {
            Parameters = { new() { Value = key[3..11] } },
        };
        var value = await command.ExecuteScalarAsync();
        return value is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }
}
