using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using AccountService.ApiKeys;
using AccountService.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AccountService.Tests.ApiKeys;

/// <summary>
/// The Data Protection key ring is stored encrypted under <c>DataProtection:KeyRingKey</c>, which is not in the
/// database: a dump alone opens none of the stored <c>Idempotency-Key</c> answers, while every replica given the key
/// replays them.
/// </summary>
public sealed class KeyRingProtectionTests(PostgresFixture database) : IntegrationTest(database)
{
    private static readonly XNamespace DataProtectionNs = "http://schemas.asp.net/2015/03/dataProtection";
    private readonly string _jwt = TestAuth.Jwt("acc_1");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await SeedAccountAsync("acc_1");
    }

    [Fact]
    public async Task ADumpAloneOpensNoStoredAnswerWhileTheKeyOpensEveryOne()
    {
        var created = new List<(string IdempotencyKey, string Secret)>();
        IEnumerable<string> logs;
        await using (var factory = Api())
        {
            logs = factory.Logs;
            using var client = factory.CreateClient();
            for (var i = 0; i < 3; i++)
            {
                var answer = await ApiKeysApi.CreateAsync(client, _jwt, $"ci {i}", $"dump-{i}");
                Assert.Equal(HttpStatusCode.Created, answer.Status);
                created.Add(($"dump-{i}", answer.Created.Key));
            }
        }

        // Stored encrypted from the start: the app never found a key in clear to encrypt afterwards.
        Assert.DoesNotContain(logs, line => line.Contains("stored in clear", StringComparison.Ordinal));
        var dump = await PgDump.DataOnlyAsync(Database.ConnectionString);
        var keyRing = CopyRows(dump, "data_protection_keys").Select(row => XElement.Parse(row["xml"])).ToList();
        var answers = CopyRows(dump, "idempotency_records")
            .Select(row => (Account: row["account_id"], IdempotencyKey: row["idempotency_key"], Body: Convert.FromHexString(row["protected_body"][2..])))
            .ToList();

        // The ring is there, but its secrets only as ciphertext: no masterKey element, each one an encryptedSecret.
        Assert.NotEmpty(keyRing);
        Assert.All(keyRing, key =>
        {
            Assert.Empty(key.Descendants("masterKey"));
            Assert.NotEmpty(key.Descendants(DataProtectionNs + "encryptedSecret"));
        });
        Assert.Equal(created.Select(c => c.IdempotencyKey).Order(), answers.Select(a => a.IdempotencyKey).Order());
        Assert.All(created, c => Assert.DoesNotContain(c.Secret[12..], dump, StringComparison.Ordinal));

        // A Data Protection provider reading the dumped ring, as anyone holding the dump could build one.
        using (var dumpOnly = Provider(keyRing, keyRingKey: null))
        {
            Assert.All(answers, a => Assert.ThrowsAny<CryptographicException>(() => Unprotect(dumpOnly, a.Account, a.IdempotencyKey, a.Body)));
        }

        // The same provider with the key opens each answer, and finds the key it made in it.
        using var withKey = Provider(keyRing, AccountApiFactory.KeyRingKey);
        Assert.All(answers, a =>
        {
            var body = Encoding.UTF8.GetString(Unprotect(withKey, a.Account, a.IdempotencyKey, a.Body));
            Assert.Contains(created.Single(c => c.IdempotencyKey == a.IdempotencyKey).Secret, body, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task AnotherReplicaWithTheKeyReadsTheEncryptedRingAndReplaysTheAnswer()
    {
        await using (var replicaA = Api())
        {
            using var a = replicaA.CreateClient();
            Assert.Equal(HttpStatusCode.Created, (await ApiKeysApi.CreateAsync(a, _jwt, "ci", "across-replicas")).Status);
        }

        var ringBefore = await KeyRingAsync();
        await using var replicaB = Api();
        using var b = replicaB.CreateClient();
        var again = await ApiKeysApi.CreateAsync(b, _jwt, "ci", "across-replicas");

        Assert.Equal((HttpStatusCode.Created, "true"), (again.Status, again.Header("Idempotent-Replayed")));
        Assert.Equal(ringBefore, await KeyRingAsync());
    }

    [Fact]
    public async Task AReplicaWithAnotherKeyRefusesTheReplayAndSaysWhichSettingToCheck()
    {
        await using (var replicaA = Api())
        {
            using var a = replicaA.CreateClient();
            Assert.Equal(HttpStatusCode.Created, (await ApiKeysApi.CreateAsync(a, _jwt, "ci", "other-key")).Status);
        }

        var otherKey = new Dictionary<string, string?>
        {
            [KeyRingOptions.KeySetting] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        await using var replicaB = new AccountApiFactory(Database.ConnectionString, otherKey, seeOwnWrites: false);
        using var b = replicaB.CreateClient();
        var again = await ApiKeysApi.CreateAsync(b, _jwt, "ci", "other-key");

        Assert.Equal((HttpStatusCode.InternalServerError, "INTERNAL_ERROR"), (again.Status, again.ErrorCode));
        Assert.Contains(replicaB.Logs, line => line.StartsWith("Error", StringComparison.Ordinal)
            && line.Contains("is DataProtection:KeyRingKey the same on every replica", StringComparison.Ordinal));
        await using var db = CreateDbContext();
        Assert.Equal(1, await db.ApiKeys.CountAsync());
    }

    [Theory]
    [InlineData(null, "DataProtection:KeyRingKey is required when JWTs are accepted")]
    [InlineData("c2hvcnQ=", "DataProtection:KeyRingKey must be base64 of 32 bytes.")]
    [InlineData("not base64!", "DataProtection:KeyRingKey must be base64 of 32 bytes.")]
    public async Task WhileJwtsAreAcceptedTheStartIsRefusedWithoutAValidKey(string? value, string message)
    {
        var settings = new Dictionary<string, string?> { [KeyRingOptions.KeySetting] = value };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains(message, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(AccountApiFactory.KeyRingKey, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutJwtsTheServiceStartsWithoutTheKeyAndNeverStoresAKeyRingKeyInClear()
    {
        var settings = new Dictionary<string, string?> { [KeyRingOptions.KeySetting] = null, ["Auth:Jwt:PublicKeyPem"] = null };
        await using var factory = new AccountApiFactory(Database.ConnectionString, settings);
        using var client = factory.CreateClient();

        var live = await client.GetAsync("/health/live");
        var protector = factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("probe");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.ThrowsAny<Exception>(() => protector.Protect([1, 2, 3]));
        Assert.Empty(await KeyRingAsync());
    }

    [Fact]
    public async Task AKeyStoredInClearIsEncryptedInPlaceAtStartAndStillOpensWhatItProtected()
    {
        // The ring as a version without DataProtection:KeyRingKey wrote it, with something protected by its key.
        var old = new KeyRingXml();
        byte[] protectedBefore;
        using (var previous = Provider(old, keyRingKey: null, makeKeys: true))
        {
            protectedBefore = previous.GetRequiredService<IDataProtectionProvider>().CreateProtector("probe").Protect([1, 2, 3]);
        }

        var clear = Assert.Single(old.Elements).ToString(SaveOptions.DisableFormatting);
        Assert.Contains("<masterKey", clear, StringComparison.Ordinal);
        await using (var db = CreateDbContext())
        {
            db.DataProtectionKeys.Add(new() { FriendlyName = "key-clear", Xml = clear });
            await db.SaveChangesAsync();
        }

        await using var factory = Api();
        _ = factory.Services;
        await Signals.WaitUntilAsync(
            async () => (await KeyRingAsync()).All(xml => xml.Contains("encryptedSecret", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10),
            "the key stored in clear is encrypted");

        var stored = XElement.Parse(Assert.Single(await KeyRingAsync()));
        Assert.Equal(XElement.Parse(clear).Attribute("id")!.Value, stored.Attribute("id")!.Value);
        Assert.Empty(stored.Descendants("masterKey"));
        using (var dumpOnly = Provider(new KeyRingXml(stored), keyRingKey: null))
        {
            Assert.ThrowsAny<CryptographicException>(() => dumpOnly.GetRequiredService<IDataProtectionProvider>().CreateProtector("probe").Unprotect(protectedBefore));
        }

        using var withKey = Provider(new KeyRingXml(stored), AccountApiFactory.KeyRingKey);
        Assert.Equal([1, 2, 3], withKey.GetRequiredService<IDataProtectionProvider>().CreateProtector("probe").Unprotect(protectedBefore));

        // The app goes on with that key: a new answer is protected by it and replays.
        using var client = factory.CreateClient();
        var first = await ApiKeysApi.CreateAsync(client, _jwt, "ci", "after-upgrade");
        var again = await ApiKeysApi.CreateAsync(client, _jwt, "ci", "after-upgrade");
        Assert.Equal((HttpStatusCode.Created, "true"), (again.Status, again.Header("Idempotent-Replayed")));
        Assert.Equal(first.Body, again.Body);
        Assert.Single(await KeyRingAsync());
    }

    [Fact]
    public void ASealedSecretOpensOnlyWithItsKeyAndUnaltered()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var secret = new XElement("masterKey", new XElement("value", "c2VjcmV0"));

        var sealedOnce = KeyRingCipher.Seal(key, secret);
        var sealedTwice = KeyRingCipher.Seal(key, secret);
        var bytes = Convert.FromBase64String(sealedOnce.Value);
        bytes[^1] ^= 1;
        var altered = new XElement(sealedOnce) { Value = Convert.ToBase64String(bytes) };

        Assert.Equal(secret.ToString(), KeyRingCipher.Open(key, sealedOnce).ToString());
        Assert.NotEqual(sealedOnce.Value, sealedTwice.Value);
        Assert.DoesNotContain("c2VjcmV0", sealedOnce.ToString(), StringComparison.Ordinal);
        Assert.Throws<CryptographicException>(() => KeyRingCipher.Open(RandomNumberGenerator.GetBytes(32), sealedOnce));
        Assert.Throws<CryptographicException>(() => KeyRingCipher.Open(key, altered));
    }

    private AccountApiFactory Api() => new(Database.ConnectionString, seeOwnWrites: false);

    private async Task<List<string>> KeyRingAsync()
    {
        await using var db = CreateDbContext();
        return await db.DataProtectionKeys.OrderBy(k => k.Id).Select(k => k.Xml!).ToListAsync();
    }

    private static byte[] Unprotect(ServiceProvider provider, string accountId, string idempotencyKey, byte[] body) =>
        provider.GetRequiredService<IDataProtectionProvider>()
            .CreateProtector(IdempotencyStore.Purpose, accountId, idempotencyKey)
            .Unprotect(body);

    private static ServiceProvider Provider(IEnumerable<XElement> keyRing, string? keyRingKey) =>
        Provider(new KeyRingXml([.. keyRing]), keyRingKey);

    /// <summary>
    /// Data Protection as the service sets it up (application name, key encryption), over <paramref name="keyRing"/>
    /// instead of the database; with <paramref name="keyRingKey"/> null, as a version without the setting.
    /// </summary>
    private static ServiceProvider Provider(KeyRingXml keyRing, string? keyRingKey, bool makeKeys = false)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var dataProtection = services.AddDataProtection()
            .SetApplicationName("AccountService")
            .AddKeyManagementOptions(o => o.XmlRepository = keyRing);
        if (!makeKeys)
        {
            dataProtection.DisableAutomaticKeyGeneration();
        }

        if (keyRingKey is not null)
        {
            services.AddOptions<KeyRingOptions>().Configure(o => o.KeyRingKey = keyRingKey);
            services.AddOptions<KeyManagementOptions>().Configure<Microsoft.Extensions.Options.IOptions<KeyRingOptions>>(
                (keys, ring) => keys.XmlEncryptor = new KeyRingEncryptor(ring));
        }

        return services.BuildServiceProvider();
    }

    /// <summary>The rows of <paramref name="table"/> in a pg_dump's COPY text: column name → unescaped value.</summary>
    private static List<Dictionary<string, string>> CopyRows(string dump, string table)
    {
        var lines = dump.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith($"COPY public.{table} (", StringComparison.Ordinal));
        Assert.True(start >= 0, $"the dump has no COPY for {table}");
        var header = lines[start];
        var columns = header[(header.IndexOf('(', StringComparison.Ordinal) + 1)..header.IndexOf(')', StringComparison.Ordinal)].Split(", ");
        return lines.Skip(start + 1)
            .TakeWhile(l => l != "\\.")
            .Select(l => columns.Zip(l.Split('\t').Select(Unescape)).ToDictionary(c => c.First, c => c.Second, StringComparer.Ordinal))
            .ToList();
    }

    private static string Unescape(string value)
    {
        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '\\' || i + 1 == value.Length)
            {
                text.Append(value[i]);
                continue;
            }

            text.Append(value[++i] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', var c => c });
        }

        return text.ToString();
    }

    /// <summary>A key ring held in memory: what a dump holds, or what an older version stored.</summary>
    private sealed class KeyRingXml(params XElement[] elements) : IXmlRepository
    {
        public List<XElement> Elements { get; } = [.. elements];

        public IReadOnlyCollection<XElement> GetAllElements() => Elements.AsReadOnly();

        public void StoreElement(XElement element, string friendlyName) => Elements.Add(element);
    }
}
