using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using AccountService.Accounts;
using AccountService.ApiKeys;
using AccountService.Data;
using AccountService.Tests.ApiKeys;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Xunit.Abstractions;

namespace AccountService.Tests.Faults;

/// <summary>
/// A primary with a synchronous streaming standby (<c>scripts/pg-local standby</c>, throwaway clusters of this class on
/// free loopback ports, not the run's shared server), the service on the multi-host connection string: the primary is
/// killed under load and the standby promoted. No 500s, known callers answered throughout, the rest within seconds of
/// the promotion, and a revocation acknowledged before the kill still holds after it.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int KnownCallers = 20;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"accounts-failover-{Guid.NewGuid():N}");
    private string _primaryDirectory = "";
    private string _standbyDirectory = "";
    private string _connectionString = "";
    private string _standbyConnectionString = "";
    private TimeSpan _setup;

    public async Task InitializeAsync()
    {
        var setup = Stopwatch.StartNew();
        _primaryDirectory = Path.Combine(_directory, "primary");
        _standbyDirectory = Path.Combine(_directory, "standby");
        var primary = new NpgsqlConnectionStringBuilder(await PgLocalAsync("start", _primaryDirectory));
        await using (var connection = new NpgsqlConnection(primary.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE accounts", connection);
            await create.ExecuteNonQueryAsync();
        }

        var standby = new NpgsqlConnectionStringBuilder(await PgLocalAsync("standby", _primaryDirectory, _standbyDirectory));
        _standbyConnectionString = new NpgsqlConnectionStringBuilder(standby.ConnectionString) { Database = "accounts", Pooling = false }.ConnectionString;
        _connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = $"127.0.0.1:{primary.Port},127.0.0.1:{standby.Port}",
            Username = "postgres",
            Database = "accounts",
            TargetSessionAttributes = "primary",
        }.ConnectionString;
        await using var db = CreateDbContext();
        await db.Database.MigrateAsync();
        _setup = setup.Elapsed;
    }

    public async Task DisposeAsync()
    {
        await PgLocalAsync("destroy", _standbyDirectory);
        await PgLocalAsync("destroy", _primaryDirectory);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task KillingThePrimaryUnderLoadAnswersNo500AndKeepsARevocationAcknowledgedBeforeIt()
    {
        var test = Stopwatch.StartNew();
        var known = await SeedCallersAsync(KnownCallers);
        var owner = known[0].AccountId;
        var (revokedId, revoked) = await SeedKeyAsync(owner);
        var (_, neverSeen) = await SeedKeyAsync(known[1].AccountId);
        var jwt = TestAuth.Jwt(owner);

        await using var factory = new AccountApiFactory(_connectionString, seeOwnWrites: false);
        using var client = factory.StartKestrel();
        await factory.ListeningAsync();
        foreach (var caller in known)
        {
            Assert.Equal(HttpStatusCode.OK, await ApiKeysApi.UseAsync(client, caller.Key));
        }

        // The revocation, over HTTP by a user session, acknowledged before the primary dies; seen by the service too.
        // With the standby's replay paused it is not acknowledged: the 204 waits until the standby has applied it.
        Assert.Equal(HttpStatusCode.OK, await ApiKeysApi.UseAsync(client, revoked));
        await OnStandbyAsync("SELECT pg_wal_replay_pause()");
        var revocation = ApiKeysApi.RevokeAsync(client, jwt, revokedId);
        var acknowledgedWhilePaused = await Task.WhenAny(revocation, Task.Delay(TimeSpan.FromMilliseconds(500))) == revocation;
        await OnStandbyAsync("SELECT pg_wal_replay_resume()");
        Assert.False(acknowledgedWhilePaused, "the revocation was acknowledged before the synchronous standby applied it");
        Assert.Equal(HttpStatusCode.NoContent, (await revocation).Status);
        Assert.Equal(true, await OnStandbyAsync("SELECT revoked_at IS NOT NULL FROM api_keys WHERE key_id = @id", revokedId));
        await Signals.WaitUntilAsync(
            async () => await ApiKeysApi.UseAsync(client, revoked) == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(5),
            "the revoked key is refused");

        var answered = new ConcurrentDictionary<int, int>();
        using var stop = new CancellationTokenSource();
        var load = new LoadRunner(client.BaseAddress!, 4).RunAsync(
            n => Me(known[n % known.Count].Key),
            TimeSpan.FromSeconds(40),
            maxRequests: 200_000,
            stop: stop.Token,
            observe: s => answered.AddOrUpdate(s.Status, 1, (_, c) => c + 1));
        var clock = Stopwatch.StartNew();
        TimeSpan killed, promoted, neverSeenServed, listeningAgain, writesServed;
        int answersBeforeKill;
        try
        {
            await Signals.WaitUntilAsync(() => answered.GetValueOrDefault(200) >= 200, TimeSpan.FromSeconds(20), "the load is answered");
            answersBeforeKill = answered.Values.Sum();
            await PgLocalAsync("stop", _primaryDirectory, "immediate");
            killed = clock.Elapsed;

            // The service has noticed (its change listener lost the primary), and the load went on for a second.
            await Signals.WaitUntilAsync(() => !factory.Callers.IsListening, TimeSpan.FromSeconds(10), "the change listener notices the kill");
            var answersAtNotice = answered.Values.Sum();
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.True(answered.Values.Sum() > answersAtNotice, "no answers while the primary was down");
            await PgLocalAsync("promote", _standbyDirectory);
            promoted = clock.Elapsed;

            // A caller never seen before needs the database: answered (503 until then) within 10 s of the promotion.
            var neverSeenStatuses = new List<HttpStatusCode>();
            await Signals.WaitUntilAsync(
                async () =>
                {
                    neverSeenStatuses.Add(await ApiKeysApi.UseAsync(client, neverSeen));
                    return neverSeenStatuses[^1] == HttpStatusCode.OK;
                },
                TimeSpan.FromSeconds(10),
                "a never-seen key is served after the promotion");
            neverSeenServed = clock.Elapsed;
            Assert.All(neverSeenStatuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"never-seen key: {(int)s}"));

            // Once the listener is back (on the new primary, memory dropped), the revoked key is read from the database
            // the synchronous standby made the new primary: still revoked.
            await Signals.WaitUntilAsync(() => factory.Callers.IsListening, TimeSpan.FromSeconds(10), "the change listener reconnects");
            listeningAgain = clock.Elapsed;
            Assert.Equal(HttpStatusCode.Unauthorized, await ApiKeysApi.UseAsync(client, revoked));
            await using (var db = CreateDbContext())
            {
                Assert.NotNull((await db.ApiKeys.SingleAsync(k => k.KeyId == revokedId)).RevokedAt);
            }

            // Writes go to the new primary: a key made now works.
            var created = await ApiKeysApi.CreateAsync(client, jwt, "after failover");
            Assert.True(created.Status == HttpStatusCode.Created, $"{(int)created.Status}: {created.Text}");
            writesServed = clock.Elapsed;
            Assert.Equal(HttpStatusCode.OK, await ApiKeysApi.UseAsync(client, created.Created.Key));

            // Some load on the new primary before stopping.
            var answersNow = answered.Values.Sum();
            await Signals.WaitUntilAsync(() => answered.Values.Sum() >= answersNow + 100, TimeSpan.FromSeconds(10), "the load is answered after the switch");
        }
        finally
        {
            await stop.CancelAsync();
        }

        var result = await load;
        var logs = Path.Combine(RepositoryRoot.Path, "artifacts", "faults", "failover-service.log");
        Directory.CreateDirectory(Path.GetDirectoryName(logs)!);
        await File.WriteAllLinesAsync(logs, factory.Logs);

        // Unexpected exceptions are logged by the service's handler with the request id its 500 names.
        var unexpected = factory.Logs.Where(l => l.Contains("Unhandled", StringComparison.OrdinalIgnoreCase) || l.StartsWith("Critical", StringComparison.Ordinal)).Take(3).ToList();
        output.WriteLine(result.Report("failover", new Dictionary<string, object>
        {
            ["knownCallers"] = KnownCallers,
            ["clustersSetupSeconds"] = Math.Round(_setup.TotalSeconds, 1),
            ["testSeconds"] = Math.Round(test.Elapsed.TotalSeconds, 1),
            ["answersBeforeKill"] = answersBeforeKill,
            ["killToPromoteMs"] = Math.Round((promoted - killed).TotalMilliseconds),
            ["promoteToNeverSeenServedMs"] = Math.Round((neverSeenServed - promoted).TotalMilliseconds),
            ["promoteToListeningMs"] = Math.Round((listeningAgain - promoted).TotalMilliseconds),
            ["promoteToWriteMs"] = Math.Round((writesServed - promoted).TotalMilliseconds),
        }));
        Assert.True(result.Requests > answersBeforeKill, "no load after the kill");
        Assert.Equal(0, result.TransportErrors);
        Assert.All(result.Samples, s => Assert.True(s.Status == 200, $"status {s.Status}: {s.Body}\n{string.Join('\n', unexpected)}"));
    }

    private sealed record Caller(string AccountId, string Key);

    private static HttpRequestMessage Me(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/accounts/me");
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {key}");
        return request;
    }

    private async Task<List<Caller>> SeedCallersAsync(int count)
    {
        var callers = new List<Caller>();
        for (var i = 0; i < count; i++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"acc_fo{i:D4}");
            await using (var db = CreateDbContext())
            {
                db.Accounts.Add(new Account { Id = id, Name = id, Tier = AccountTier.Pro, Status = AccountStatus.Enabled });
                await db.SaveChangesAsync();
            }

            callers.Add(new Caller(id, (await SeedKeyAsync(id)).Key));
        }

        return callers;
    }

    // As `keys create` would (SHA-256, no pepper); returns the key's id and the full key.
    private async Task<(string KeyId, string Key)> SeedKeyAsync(string accountId)
    {
        var (keyId, secret, key) = ApiKeyCredential.Generate();
        await using var db = CreateDbContext();
        db.ApiKeys.Add(new ApiKey { KeyId = keyId, AccountId = accountId, Name = "test", SecretHash = SHA256.HashData(Encoding.UTF8.GetBytes(secret)) });
        await db.SaveChangesAsync();
        return (keyId, key);
    }

    // Unpooled, as an operator would connect: no connection to the killed primary is kept for the checks after it.
    private AccountDbContext CreateDbContext()
    {
        var options = new DbContextOptionsBuilder<AccountDbContext>();
        options.UseAccountDatabase(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        return new AccountDbContext(options.Options);
    }

    // A statement on the standby itself (read-only while it is one), on a connection of its own.
    private async Task<object?> OnStandbyAsync(string sql, string? id = null)
    {
        await using var connection = new NpgsqlConnection(_standbyConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (id is not null)
        {
            command.Parameters.AddWithValue("id", id);
        }

        return await command.ExecuteScalarAsync();
    }

    private static async Task<string> PgLocalAsync(string verb, params string[] args)
    {
        var script = Path.Combine(RepositoryRoot.Path, "scripts", "pg-local");
        var result = await ProcessRunner.RunAsync(
            "bash", [script, verb, .. args], new Dictionary<string, string> { ["PG_LOCAL_FAST"] = "1" }, timeout: TimeSpan.FromSeconds(90));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/pg-local {verb} failed ({result.ExitCode}): {result.Stderr}");
        }

        return result.Stdout.Trim();
    }
}
