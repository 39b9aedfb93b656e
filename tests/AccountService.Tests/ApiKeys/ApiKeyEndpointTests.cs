using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Tests.ApiKeys;

/// <summary>
/// Self-service keys through the real pipeline: JWTs signed with the test key, keys checked by the real handler, rows in
/// the real database. Factories do not wait for their own writes (no barrier): what a client sees is what is tested.
/// </summary>
public sealed class ApiKeyEndpointTests(PostgresFixture database) : IntegrationTest(database)
{
    private static readonly TimeSpan PropagationLimit = TimeSpan.FromMilliseconds(100);

    private readonly string _jwt = TestAuth.Jwt("acc_1");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await SeedAccountAsync("acc_1");
    }

    [Fact]
    public async Task AKeyMadeOverHttpWorksAtOnceIsListedAndFailsOnEveryReplicaWithin100MsOfItsRevocation()
    {
        await using var replicaA = Api();
        await using var replicaB = Api();
        using var a = replicaA.CreateClient();
        using var b = replicaB.CreateClient();
        await replicaA.ListeningAsync();
        await replicaB.ListeningAsync();

        var created = await ApiKeysApi.CreateAsync(a, _jwt, "ci");
        var (id, key) = created.Created;
        var worksOnA = await ApiKeysApi.UseAsync(a, key);
        var worksOnB = await ApiKeysApi.UseAsync(b, key);
        var listed = await ApiKeysApi.ListAsync(b, _jwt);

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (worksOnA, worksOnB));
        Assert.Equal([id], listed.Json.GetProperty("apiKeys").EnumerateArray().Select(k => k.GetProperty("id").GetString()));

        using var watchA = new ChangeWatch(replicaA.Notifications, "k:" + id);
        using var watchB = new ChangeWatch(replicaB.Notifications, "k:" + id);
        var revoked = await ApiKeysApi.RevokeAsync(a, _jwt, id);
        var committed = Stopwatch.GetTimestamp();
        var lags = new[] { await watchA.LagAfterAsync(committed), await watchB.LagAfterAsync(committed) };

        Assert.Equal(HttpStatusCode.NoContent, revoked.Status);
        Assert.Empty(revoked.Body);
        Assert.All(lags, lag => Assert.True(lag <= PropagationLimit, $"the revocation took {lag.TotalMilliseconds} ms to reach a replica"));
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiKeysApi.UseAsync(a, key));
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiKeysApi.UseAsync(b, key));
        Assert.Empty((await ApiKeysApi.ListAsync(b, _jwt)).Json.GetProperty("apiKeys").EnumerateArray());
    }

    [Fact]
    public async Task ARevocationCommitsDurablyInOneTransactionWithTheUpdate()
    {
        await using var factory = new AccountApiFactory(
            Database.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Debug",
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Debug",
            },
            seeOwnWrites: false);
        using var client = factory.CreateClient();
        var (id, _) = (await ApiKeysApi.CreateAsync(client, _jwt, "ci")).Created;
        var before = factory.Logs.Count;

        var revoked = await ApiKeysApi.RevokeAsync(client, _jwt, id);

        var lines = factory.Logs.Skip(before).ToList();
        int Index(string text) => lines.FindIndex(l => l.Contains(text, StringComparison.Ordinal));
        var (begun, durable, update, committed) = (
            Index("Began transaction"),
            Index("SET LOCAL synchronous_commit = remote_apply"),
            Index("UPDATE api_keys"),
            Index("Committed transaction"));
        Assert.Equal(HttpStatusCode.NoContent, revoked.Status);
        Assert.True(
            begun >= 0 && begun < durable && durable < update && update < committed,
            $"begin {begun}, synchronous_commit {durable}, update {update}, commit {committed}");
    }

    [Fact]
    public async Task CreateAnswersTheDocumentedShapeWithLocationAndNoStore()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        var created = await ApiKeysApi.CreateAsync(client, _jwt, "deploy bot");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(["id", "name", "key", "createdAt", "lastUsedAt"], created.Json.EnumerateObject().Select(p => p.Name));
        var (id, key) = created.Created;
        Assert.Matches("^ok_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}$", key);
        Assert.Equal(key[3..11], id);
        Assert.Equal("deploy bot", created.Json.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, created.Json.GetProperty("lastUsedAt").ValueKind);
        Assert.InRange(created.Json.GetProperty("createdAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal($"/api/api-keys/{id}", created.Header("Location"));
        Assert.Equal("no-store", created.Header("Cache-Control"));
        Assert.StartsWith("\"default\";r=", created.Header("RateLimit"), StringComparison.Ordinal);
        Assert.Null(created.Header("Idempotent-Replayed"));
    }

    [Fact]
    public async Task ListShowsActiveKeysNewestFirstWithoutSecretsOrHashes()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();
        var made = new List<(string Id, string Key)>();
        foreach (var name in new[] { "first", "second", "third" })
        {
            made.Add((await ApiKeysApi.CreateAsync(client, _jwt, name)).Created);
        }

        await ApiKeysApi.RevokeAsync(client, _jwt, made[1].Id);

        var listed = await ApiKeysApi.ListAsync(client, _jwt);

        Assert.Equal(HttpStatusCode.OK, listed.Status);
        Assert.Equal(["apiKeys"], listed.Json.EnumerateObject().Select(p => p.Name));
        var items = listed.Json.GetProperty("apiKeys").EnumerateArray().ToList();
        Assert.Equal([made[2].Id, made[0].Id], items.Select(k => k.GetProperty("id").GetString()));
        Assert.Equal(["third", "first"], items.Select(k => k.GetProperty("name").GetString()));
        Assert.All(items, k => Assert.Equal(["id", "name", "createdAt", "lastUsedAt"], k.EnumerateObject().Select(p => p.Name)));
        Assert.All(made, k => Assert.DoesNotContain(k.Key[12..], listed.Text, StringComparison.Ordinal));
        Assert.Equal("no-store", listed.Header("Cache-Control"));
    }

    [Fact]
    public async Task ApiKeyCallersGet403OnAllThreeAndChangeNothing()
    {
        var key = await SeedKeyAsync("acc_1");
        await using var factory = Api();
        using var client = factory.CreateClient();

        var answers = new[]
        {
            await ApiKeysApi.CreateAsync(client, key, "minted by a leaked key"),
            await ApiKeysApi.ListAsync(client, key),
            await ApiKeysApi.RevokeAsync(client, key, key[3..11]),
        };

        Assert.All(answers, answer =>
        {
            Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
            Assert.Equal("FORBIDDEN", answer.ErrorCode);
            Assert.Equal("https://orbitkit.io/api/errors/#forbidden", answer.Json.GetProperty("error").GetProperty("docUrl").GetString());
        });
        await using var db = CreateDbContext();
        var keys = await db.ApiKeys.ToListAsync();
        Assert.Equal((1, null), (keys.Count, keys[0].RevokedAt));
        Assert.Equal(HttpStatusCode.OK, await ApiKeysApi.UseAsync(client, key));
    }

    [Fact]
    public async Task WithoutACredentialAllThreeAre401()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        using var create = await client.PostAsync(ApiKeysApi.Path, new StringContent("""{"name":"x"}""", System.Text.Encoding.UTF8, "application/json"));
        using var list = await client.GetAsync(ApiKeysApi.Path);
        using var revoke = await client.DeleteAsync($"{ApiKeysApi.Path}/Abcdefgh");

        Assert.Equal(
            (HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized),
            (create.StatusCode, list.StatusCode, revoke.StatusCode));
    }

    [Theory]
    [InlineData("""{}""", "is required")]
    [InlineData("""{"name":null}""", "is required")]
    [InlineData("""{"name":""}""", "is required")]
    [InlineData("""{"name":"   "}""", "is required")]
    [InlineData("""{"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", "must be at most 64 characters")]
    [InlineData("""{"name":"tab\there"}""", "must not contain control characters")]
    [InlineData("""{"name":"nul\u0000"}""", "must not contain control characters")]
    [InlineData("""{"name":"lone \ud800 surrogate"}""", "must be valid Unicode text")]
    public async Task BadNamesAre400WithTheProblemInDetails(string body, string message)
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        var answer = await ApiKeysApi.PostAsync(client, _jwt, body);

        AssertValidationFailed(answer, "name", message);
        await AssertNoKeyAsync();
    }

    public static TheoryData<string> InvisibleOrNonCharacters => new()
    {
        "\u202E", // RIGHT-TO-LEFT OVERRIDE (Cf)
        "\u200B", // ZERO WIDTH SPACE (Cf)
        "\uFEFF", // ZERO WIDTH NO-BREAK SPACE (Cf)
        "\u00AD", // SOFT HYPHEN (Cf)
        "\u2028", // LINE SEPARATOR (Zl)
        "\u2029", // PARAGRAPH SEPARATOR (Zp)
        "\u00A0", // NO-BREAK SPACE (Zs other than U+0020)
        "\u3000", // IDEOGRAPHIC SPACE (Zs)
        "\uFFFF", // noncharacter
        "\uFDD0", // noncharacter
        "\uD83F\uDFFE", // U+1FFFE, noncharacter
    };

    [Theory]
    [MemberData(nameof(InvisibleOrNonCharacters))]
    public async Task NamesWithFormatCharactersSeparatorsOtherThanSpaceOrNoncharactersAre400(string character)
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        var answer = await ApiKeysApi.CreateAsync(client, _jwt, $"ci{character}key");

        AssertValidationFailed(answer, "name", "must not contain format characters, separators other than the space, or noncharacters");
        await AssertNoKeyAsync();
    }

    [Fact]
    public async Task NamesAreStoredAndAnsweredInNfc()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        var answer = await ApiKeysApi.CreateAsync(client, _jwt, "Cafe\u0301 " + string.Concat(Enumerable.Repeat("e\u0301", 59)));

        Assert.Equal(HttpStatusCode.Created, answer.Status);
        var nfc = "Caf\u00E9 " + new string('\u00E9', 59);
        Assert.Equal(nfc, answer.Json.GetProperty("name").GetString());
        await using var db = CreateDbContext();
        Assert.Equal([nfc], await db.ApiKeys.Select(k => k.Name).ToListAsync());
    }

    [Theory]
    [InlineData("""{"name":""", "application/json", "body", "must be valid JSON")]
    [InlineData("name=ci", "application/json", "body", "must be valid JSON")]
    [InlineData("", "application/json", "body", "must be valid JSON")]
    [InlineData("""["ci"]""", "application/json", "body", "must be a JSON object")]
    [InlineData("\"ci\"", "application/json", "body", "must be a JSON object")]
    [InlineData("null", "application/json", "body", "must be a JSON object")]
    [InlineData("""{"name":42}""", "application/json", "name", "must be a string")]
    [InlineData("""{"name":["ci"]}""", "application/json", "name", "must be a string")]
    public async Task MalformedBodiesAndWrongTypesAre400WithDetails(string body, string contentType, string field, string message)
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        var answer = await ApiKeysApi.PostAsync(client, _jwt, body, contentType: contentType);

        AssertValidationFailed(answer, field, message);
        await AssertNoKeyAsync();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    [InlineData(null)]
    public async Task ABodyThatIsNotJsonIs415InTheEnvelope(string? contentType)
    {
        await using var factory = Api();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiKeysApi.Path) { Content = new StringContent("""{"name":"ci"}""") };
        request.Content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {_jwt}");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", error.GetProperty("code").GetString());
        await AssertNoKeyAsync();
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    [InlineData("APPLICATION/JSON; Charset=\"UTF-8\"")]
    public async Task JsonIsAcceptedWhateverItsCaseAndCharsetParameter(string contentType)
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        var answer = await ApiKeysApi.PostAsync(client, _jwt, """{"name":"ci"}""", contentType: contentType);

        Assert.Equal(HttpStatusCode.Created, answer.Status);
    }

    [Fact]
    public async Task NamesOfUpTo64CharactersAreAcceptedWhateverTheirScript()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();
        var name = string.Concat(Enumerable.Repeat("🔑", 64));

        var answer = await ApiKeysApi.CreateAsync(client, _jwt, name);

        Assert.Equal(HttpStatusCode.Created, answer.Status);
        Assert.Equal(name, answer.Json.GetProperty("name").GetString());
    }

    [Fact]
    public async Task TheEleventhActiveKeyIsRefusedUntilOneIsRevoked()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var created = await ApiKeysApi.CreateAsync(client, _jwt, $"k{i}");
            Assert.Equal(HttpStatusCode.Created, created.Status);
            ids.Add(created.Created.Id);
        }

        var eleventh = await ApiKeysApi.CreateAsync(client, _jwt, "k10");
        await ApiKeysApi.RevokeAsync(client, _jwt, ids[4]);
        var afterRevoking = await ApiKeysApi.CreateAsync(client, _jwt, "k10");

        Assert.Equal((HttpStatusCode.BadRequest, "API_KEY_LIMIT_REACHED"), (eleventh.Status, eleventh.ErrorCode));
        Assert.Equal(HttpStatusCode.Created, afterRevoking.Status);
        await using var db = CreateDbContext();
        Assert.Equal(10, await db.ApiKeys.CountAsync(k => k.RevokedAt == null));
    }

    [Fact]
    public async Task TwentyConcurrentCreatesMakeExactlyTenKeys()
    {
        await using var factory = Api();
        using var client = factory.CreateClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => ApiKeysApi.CreateAsync(client, _jwt, $"k{i}")));

        Assert.Equal(10, answers.Count(a => a.Status == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.Created), a => Assert.Equal("API_KEY_LIMIT_REACHED", a.ErrorCode));
        await using var db = CreateDbContext();
        Assert.Equal(10, await db.ApiKeys.CountAsync(k => k.AccountId == "acc_1" && k.RevokedAt == null));
    }

    [Fact]
    public async Task KeysMadeWithTheCliCountTowardsTheSameLimit()
    {
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(0, (await RunCliAsync("keys", "create", "--account", "acc_1", "--name", $"cli{i}")).ExitCode);
        }

        await using var factory = Api();
        using var client = factory.CreateClient();

        var answer = await ApiKeysApi.CreateAsync(client, _jwt, "one more");

        Assert.Equal((HttpStatusCode.BadRequest, "API_KEY_LIMIT_REACHED"), (answer.Status, answer.ErrorCode));
    }

    [Fact]
    public async Task TheCliRefusesTheNamesTheApiRefuses()
    {
        var tooLong = await RunCliAsync("keys", "create", "--account", "acc_1", "--name", new string('a', 65));
        var control = await RunCliAsync("keys", "create", "--account", "acc_1", "--name", "bell\u0007");

        Assert.Equal((2, "error: --name: must be at most 64 characters"), (tooLong.ExitCode, tooLong.Error.Trim()));
        Assert.Equal((2, "error: --name: must not contain control characters"), (control.ExitCode, control.Error.Trim()));
        await AssertNoKeyAsync();
    }

    [Theory]
    [MemberData(nameof(InvisibleOrNonCharacters))]
    public async Task TheCliRefusesFormatCharactersSeparatorsAndNoncharactersInNames(string character)
    {
        var result = await RunCliAsync("keys", "create", "--account", "acc_1", "--name", $"ci{character}key");

        Assert.Equal(
            (2, "error: --name: must not contain format characters, separators other than the space, or noncharacters"),
            (result.ExitCode, result.Error.Trim()));
        await AssertNoKeyAsync();
    }

    [Fact]
    public async Task TheCliStoresNamesInNfc()
    {
        var result = await RunCliAsync("keys", "create", "--account", "acc_1", "--name", "Cafe\u0301");

        Assert.Equal(0, result.ExitCode);
        await using var db = CreateDbContext();
        Assert.Equal(["Caf\u00E9"], await db.ApiKeys.Select(k => k.Name).ToListAsync());
    }

    [Fact]
    public async Task UnknownRevokedAndOtherAccountsKeysAllAnswerTheSame404()
    {
        await SeedAccountAsync("acc_other");
        var othersKey = await SeedKeyAsync("acc_other");
        await using var factory = Api();
        using var client = factory.CreateClient();
        var mine = (await ApiKeysApi.CreateAsync(client, _jwt, "mine")).Created;
        await ApiKeysApi.RevokeAsync(client, _jwt, mine.Id);

        var answers = new[]
        {
            await ApiKeysApi.RevokeAsync(client, _jwt, othersKey[3..11]),
            await ApiKeysApi.RevokeAsync(client, _jwt, mine.Id),
            await ApiKeysApi.RevokeAsync(client, _jwt, "Zz9Zz9Zz"),
            await ApiKeysApi.RevokeAsync(client, _jwt, "not-a-key-id"),
        };

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
        Assert.Single(answers.Select(a => a.Text).Distinct());
        Assert.Equal("NOT_FOUND", answers[0].ErrorCode);
        Assert.Equal(HttpStatusCode.OK, await ApiKeysApi.UseAsync(client, othersKey));
    }

    [Fact]
    public async Task AJwtForAnAccountThatDoesNotExistGets404()
    {
        var stranger = TestAuth.Jwt("acc_missing");
        await using var factory = Api();
        using var client = factory.CreateClient();

        var create = await ApiKeysApi.CreateAsync(client, stranger, "x");
        var list = await ApiKeysApi.ListAsync(client, stranger);

        Assert.Equal((HttpStatusCode.NotFound, "NOT_FOUND"), (create.Status, create.ErrorCode));
        Assert.Equal((HttpStatusCode.NotFound, "NOT_FOUND"), (list.Status, list.ErrorCode));
    }

    private AccountApiFactory Api() => new(Database.ConnectionString, seeOwnWrites: false);

    private static void AssertValidationFailed(Answer answer, string field, string message)
    {
        Assert.Equal((HttpStatusCode.BadRequest, "VALIDATION_FAILED"), (answer.Status, answer.ErrorCode));
        var detail = Assert.Single(answer.Json.GetProperty("error").GetProperty("details").EnumerateArray());
        Assert.Equal(
            (field, message, "VALIDATION_FAILED"),
            (detail.GetProperty("field").GetString(), detail.GetProperty("message").GetString(), detail.GetProperty("code").GetString()));
    }

    private async Task AssertNoKeyAsync()
    {
        await using var db = CreateDbContext();
        Assert.Equal(0, await db.ApiKeys.CountAsync());
    }
}
