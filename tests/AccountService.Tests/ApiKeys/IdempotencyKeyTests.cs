using System.Net;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Tests.ApiKeys;

/// <summary>
/// <c>Idempotency-Key</c> on <c>POST /api/api-keys</c>: a retried create answers the first answer again and makes no
/// second key; the stored answer holds the secret only encrypted, and only for 24 hours.
/// </summary>
public sealed class IdempotencyKeyTests(PostgresFixture database) : IntegrationTest(database)
{
    private readonly string _jwt = TestAuth.Jwt("acc_1");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await SeedAccountAsync("acc_1");
    }

    [Fact]
    public async Task TheSameKeyAndBodyReplayTheFirstAnswerByteForByteAndMakeNoSecondKey()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        var first = await ApiKeysApi.PostAsync(client, _jwt, """{"name":"ci"}""", "retry-1");
        var again = await ApiKeysApi.PostAsync(client, _jwt, """{ "name" : "ci" }""", "retry-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.Status, again.Status));
        Assert.Equal(first.Body, again.Body);
        Assert.Equal(first.Header("Location"), again.Header("Location"));
        Assert.Equal((null, "true"), (first.Header("Idempotent-Replayed"), again.Header("Idempotent-Replayed")));
        Assert.Equal(1, await KeyCountAsync());
        Assert.Equal(HttpStatusCode.OK, await ApiKeysApi.UseAsync(client, again.Created.Key));
    }

    [Fact]
    public async Task TheSameKeyWithADifferentBodyIs422AndMakesNoKey()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();
        await ApiKeysApi.CreateAsync(client, _jwt, "ci", "retry-1");

        var reused = await ApiKeysApi.CreateAsync(client, _jwt, "something else", "retry-1");

        Assert.Equal((HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSE"), (reused.Status, reused.ErrorCode));
        Assert.Equal(1, await KeyCountAsync());
    }

    [Fact]
    public async Task EightConcurrentRequestsWithTheSameKeyMakeExactlyOneKey()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ApiKeysApi.CreateAsync(client, _jwt, "ci", "burst")));

        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        var created = answers.Where(a => a.Status == HttpStatusCode.Created).ToList();
        Assert.Single(created.Select(a => Convert.ToBase64String(a.Body)).Distinct());
        Assert.Single(created, a => a.Header("Idempotent-Replayed") is null);
        Assert.Equal(1, await KeyCountAsync());
    }

    [Fact]
    public async Task KeysAreScopedToTheAccount()
    {
        await SeedAccountAsync("acc_2");
        await using var factory = Api();
        using var client = factory.CreateClient();

        var mine = await ApiKeysApi.CreateAsync(client, _jwt, "ci", "shared-key");
        var theirs = await ApiKeysApi.CreateAsync(client, TestAuth.Jwt("acc_2"), "ci", "shared-key");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (mine.Status, theirs.Status));
        Assert.NotEqual(mine.Created.Id, theirs.Created.Id);
        Assert.Null(theirs.Header("Idempotent-Replayed"));
    }

    [Fact]
    public async Task AnInvalidRequestIsNotStoredSoACorrectedRetryWithTheSameKeySucceeds()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        var invalid = await ApiKeysApi.CreateAsync(client, _jwt, "", "fix-and-retry");
        var corrected = await ApiKeysApi.CreateAsync(client, _jwt, "ci", "fix-and-retry");

        Assert.Equal((HttpStatusCode.BadRequest, "VALIDATION_FAILED"), (invalid.Status, invalid.ErrorCode));
        Assert.Equal(HttpStatusCode.Created, corrected.Status);
        Assert.Null(corrected.Header("Idempotent-Replayed"));
    }

    [Fact]
    public async Task ARefusalAtTheLimitIsNotReplayedOnceASlotIsFree()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await ApiKeysApi.CreateAsync(client, _jwt, $"k{i}")).Created.Id);
        }

        var refused = await ApiKeysApi.CreateAsync(client, _jwt, "eleventh", "at-the-limit");
        await ApiKeysApi.RevokeAsync(client, _jwt, ids[0]);
        var retried = await ApiKeysApi.CreateAsync(client, _jwt, "eleventh", "at-the-limit");

        Assert.Equal((HttpStatusCode.BadRequest, "API_KEY_LIMIT_REACHED"), (refused.Status, refused.ErrorCode));
        Assert.Equal(HttpStatusCode.Created, retried.Status);
        Assert.Null(retried.Header("Idempotent-Replayed"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    public async Task AnIdempotencyKeyOutside1To255CharactersIs400(int length)
    {
        // Over a real socket: the in-memory test server drops a header whose value is empty.
        await using var factory = Api();
        using var client = factory.StartKestrel();

        var answer = await ApiKeysApi.CreateAsync(client, _jwt, "ci", new string('k', length));

        Assert.Equal((HttpStatusCode.BadRequest, "INVALID_IDEMPOTENCY_KEY"), (answer.Status, answer.ErrorCode));
        var detail = Assert.Single(answer.Json.GetProperty("error").GetProperty("details").EnumerateArray());
        Assert.Equal("Idempotency-Key", detail.GetProperty("field").GetString());
        Assert.Equal(0, await KeyCountAsync());
    }

    [Theory]
    [InlineData("two header lines")]
    [InlineData("one line joined by a comma")]
    public async Task TwoIdempotencyKeysAreRejectedAsAnInvalidOneIs(string form)
    {
        await using var factory = Api();
        using var client = factory.StartKestrel();
        await using var raw = await RawHttp.ConnectAsync(client.BaseAddress!);
        string[] keys = form == "two header lines" ? ["Idempotency-Key: first", "Idempotency-Key: second"] : ["Idempotency-Key: first, second"];
        const string body = """{"name":"ci"}""";

        await raw.SendAsync(
            $"POST {ApiKeysApi.Path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {_jwt}\r\nContent-Type: application/json\r\n"
            + $"Content-Length: {body.Length}\r\n{string.Concat(keys.Select(k => k + "\r\n"))}\r\n{body}");
        var response = await raw.ReadResponseAsync(TimeSpan.FromSeconds(10));

        Assert.True(response.Status == 400, $"{response.Status} {response.Body}");
        var error = System.Text.Json.Nodes.JsonNode.Parse(response.Body)!["error"]!;
        Assert.Equal("INVALID_IDEMPOTENCY_KEY", error["code"]!.GetValue<string>());
        var detail = Assert.Single(error["details"]!.AsArray())!;
        Assert.Equal(
            ("Idempotency-Key", "must be sent once, as 1–255 characters other than a comma"),
            (detail["field"]!.GetValue<string>(), detail["message"]!.GetValue<string>()));
        Assert.Equal(0, await KeyCountAsync());
    }

    [Fact]
    public async Task AnIdempotencyKeyOf255CharactersIsAccepted()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();
        var key = new string('k', 255);

        var first = await ApiKeysApi.CreateAsync(client, _jwt, "ci", key);
        var again = await ApiKeysApi.CreateAsync(client, _jwt, "ci", key);

        Assert.Equal((HttpStatusCode.Created, "true"), (again.Status, again.Header("Idempotent-Replayed")));
        Assert.Equal(first.Body, again.Body);
    }

    [Fact]
    public async Task AnotherReplicaReplaysTheAnswerThroughTheSharedKeyRing()
    {
        await using var replicaA = Api();
        await using var replicaB = Api();
        using var a = replicaA.CreateClient();
        using var b = replicaB.CreateClient();

        var first = await ApiKeysApi.CreateAsync(a, _jwt, "ci", "across-replicas");
        var again = await ApiKeysApi.CreateAsync(b, _jwt, "ci", "across-replicas");

        Assert.Equal((HttpStatusCode.Created, "true"), (again.Status, again.Header("Idempotent-Replayed")));
        Assert.Equal(first.Body, again.Body);
        Assert.Equal(1, await KeyCountAsync());
    }

    [Fact]
    public async Task AfterTwentyFourHoursTheKeyIsFreeForANewRequest()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();
        await ApiKeysApi.CreateAsync(client, _jwt, "ci", "yesterday");
        await ExecuteAsync("UPDATE idempotency_records SET created_at = now() - interval '24 hours 1 second'");

        var later = await ApiKeysApi.CreateAsync(client, _jwt, "a different request", "yesterday");

        Assert.Equal(HttpStatusCode.Created, later.Status);
        Assert.Null(later.Header("Idempotent-Replayed"));
        Assert.Equal(2, await KeyCountAsync());
    }

    [Fact]
    public async Task RecordsOlderThanTwentyFourHoursAreDeleted()
    {
        await using (var factory = Api())
        {
            using var client = factory.CreateClient();
            await ApiKeysApi.CreateAsync(client, _jwt, "old", "old");
            await ApiKeysApi.CreateAsync(client, _jwt, "new", "new");
        }

        await ExecuteAsync("UPDATE idempotency_records SET created_at = now() - interval '25 hours' WHERE idempotency_key = 'old'");

        // The purge runs when a replica starts, then every ten minutes.
        await using var restarted = Api();
        _ = restarted.Services;
        await Signals.WaitUntilAsync(
            async () => !(await RecordKeysAsync()).Contains("old"), TimeSpan.FromSeconds(10), "the expired record is deleted after the start");

        Assert.Equal(["new"], await RecordKeysAsync());
    }

    [Fact]
    public async Task TheDatabaseAndTheLogsHoldNoSecretInClear()
    {
        var secrets = new List<string>();
        var dump = "";
        await using (var factory = Api())
        {
            using var client = factory.CreateClient();
            for (var i = 0; i < 3; i++)
            {
                secrets.Add((await ApiKeysApi.CreateAsync(client, _jwt, $"plain {i}")).Created.Key);
                var stored = await ApiKeysApi.CreateAsync(client, _jwt, $"idempotent {i}", $"scan-{i}");
                var replayed = await ApiKeysApi.CreateAsync(client, _jwt, $"idempotent {i}", $"scan-{i}");
                Assert.Equal(stored.Body, replayed.Body);
                secrets.Add(stored.Created.Key);
            }

            Assert.Equal(HttpStatusCode.OK, (await ApiKeysApi.ListAsync(client, _jwt)).Status);
            dump = await PgDump.DataOnlyAsync(Database.ConnectionString);
            Assert.All(secrets, key => Assert.DoesNotContain(factory.Logs, line => line.Contains(key[12..], StringComparison.Ordinal)));
        }

        // The answers are stored (one row per key, with a body) and the key ring is there, yet no secret can be read.
        Assert.Contains("scan-2", dump, StringComparison.Ordinal);
        Assert.Contains("<key id=", dump, StringComparison.Ordinal);
        Assert.All(secrets, key => Assert.DoesNotContain(key[12..], dump, StringComparison.Ordinal));
        Assert.All(secrets, key => Assert.DoesNotContain(Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(key[12..])), dump, StringComparison.Ordinal));
    }

    private AccountApiFactory Api() => new(Database.ConnectionString, seeOwnWrites: false);

    private async Task<int> KeyCountAsync()
    {
        await using var db = CreateDbContext();
        return await db.ApiKeys.CountAsync();
    }

    private async Task<List<string>> RecordKeysAsync()
    {
        await using var db = CreateDbContext();
        return await db.IdempotencyRecords.Select(r => r.IdempotencyKey).OrderBy(k => k).ToListAsync();
    }
}
