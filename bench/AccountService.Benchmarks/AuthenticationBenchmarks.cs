using System.Security.Cryptography;
using System.Text;
using AccountService.Accounts;
using AccountService.ApiKeys;
using AccountService.Auth;
using AccountService.Data;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Benchmarks;

/// <summary>
/// Per-request cost of authenticating each credential kind through the service's own registrations: the policy
/// scheme, the API-key handler (one indexed lookup in PostgreSQL plus a hash) and JwtBearer (signature and claims).
/// The database is the one in <c>ACCOUNTS_BENCH_DB</c>, already migrated (bench/auth prepares it).
/// </summary>
[MemoryDiagnoser]
public class AuthenticationBenchmarks
{
    private const string AccountId = "acc_bench";
    private WebApplication _app = null!;
    private string _apiKey = "";
    private string _wrongSecret = "";
    private string _jwt = "";

    [GlobalSetup]
    public void Setup()
    {
        var connectionString = Environment.GetEnvironmentVariable("ACCOUNTS_BENCH_DB")
            ?? throw new InvalidOperationException("Set ACCOUNTS_BENCH_DB (bench/auth does).");
        using var rsa = RSA.Create(2048);
        var signing = new SigningCredentials(new RsaSecurityKey(rsa.ExportParameters(true)), SecurityAlgorithms.RsaSha256);

        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [DatabaseOptions.ConfigurationKey] = connectionString,
            ["Auth:Jwt:Issuer"] = "https://issuer.bench",
            ["Auth:Jwt:Audience"] = "bench",
            ["Auth:Jwt:PublicKeyPem"] = rsa.ExportSubjectPublicKeyInfoPem(),
        });
        builder.AddErrorEnvelope();
        builder.AddAccountData();
        builder.AddAccountAuth();
        builder.AddAccounts();
        _app = builder.Build();

        using (var scope = _app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AccountDbContext>();
            db.ApiKeys.RemoveRange(db.ApiKeys.Where(k => k.AccountId == AccountId));
            db.Accounts.RemoveRange(db.Accounts.Where(a => a.Id == AccountId));
            db.SaveChanges();
            db.Accounts.Add(new Account { Id = AccountId, Name = "Bench", Tier = AccountTier.Pro, Status = AccountStatus.Enabled });
            var (keyId, secret, key) = ApiKeyCredential.Generate();
            db.ApiKeys.Add(new ApiKey { KeyId = keyId, AccountId = AccountId, Name = "bench", SecretHash = SHA256.HashData(Encoding.UTF8.GetBytes(secret)) });
            db.SaveChanges();
            _apiKey = key;
            _wrongSecret = ApiKeyCredential.Format(keyId, new string('Q', ApiKeyCredential.SecretLength));
        }

        _jwt = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://issuer.bench",
            Audience = "bench",
            Claims = new Dictionary<string, object> { ["sub"] = AccountId },
            Expires = DateTime.UtcNow.AddHours(2),
            SigningCredentials = signing,
        });

        // Fail fast if a credential does not authenticate: a benchmark of failures would measure the wrong thing.
        if (!ApiKey().GetAwaiter().GetResult() || !Jwt().GetAwaiter().GetResult() || ApiKeyWrongSecret().GetAwaiter().GetResult())
        {
            throw new InvalidOperationException("Benchmark credentials did not authenticate as expected.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "API key (ok_…)")]
    public Task<bool> ApiKey() => AuthenticateAsync(_apiKey);

    [Benchmark(Description = "JWT (RS256)")]
    public Task<bool> Jwt() => AuthenticateAsync(_jwt);

    [Benchmark(Description = "API key, wrong secret")]
    public Task<bool> ApiKeyWrongSecret() => AuthenticateAsync(_wrongSecret);

    private async Task<bool> AuthenticateAsync(string credential)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Headers.Authorization = $"Bearer {credential}";
        var result = await context.AuthenticateAsync(AuthSchemes.Bearer);
        return result.Succeeded;
    }
}
