using System.Text.Encodings.Web;
using AccountService.Accounts;
using AccountService.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AccountService.Auth;

/// <summary>
/// Authenticates <c>ok_&lt;key id&gt;_&lt;secret&gt;</c> keys: finds the row by key id, compares the secret's hash in
/// fixed time, rejects revoked keys on the very next request (no cache), and keeps <c>last_used_at</c> roughly
/// current with at most one write per key per <see cref="TouchInterval"/>.
/// </summary>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AccountDbContext db,
    AccountLookup accounts,
    ApiKeyHasher hasher)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    // Compared against when the key id is unknown, so both failures cost the same hash and comparison.
    private static readonly byte[] NoSuchKeyHash = new byte[32];

    // One round trip per request: the key by its id (primary key), joined to its account (primary key).
    private static readonly Func<AccountDbContext, string, CancellationToken, Task<KeyRow?>> KeyWithAccount =
        EF.CompileAsyncQuery((AccountDbContext db, string keyId, CancellationToken ct) =>
            (from k in db.ApiKeys.AsNoTracking()
             join a in db.Accounts.AsNoTracking() on k.AccountId equals a.Id
             where k.KeyId == keyId
             select new KeyRow(k.AccountId, k.SecretHash, k.RevokedAt, k.LastUsedAt, a))
            .SingleOrDefault());

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var credential = BearerCredential.Read(Request);
        if (!credential.Presented)
        {
            return AuthenticateResult.NoResult();
        }

        if (credential.Token is null || !ApiKeyCredential.TryParse(credential.Token, out var keyId, out var secret))
        {
            LogRejected(Logger, "not an API key");
            return AuthenticateResult.Fail(AuthChallenge.Message);
        }

        var ct = Context.RequestAborted;
        var key = await KeyWithAccount(db, keyId, ct);

        var secretMatches = hasher.Matches(secret, key?.SecretHash ?? NoSuchKeyHash);
        if (key is null || !secretMatches || key.RevokedAt is not null)
        {
            LogRejected(Logger, key is null ? "unknown key id" : key.RevokedAt is not null ? "revoked" : "wrong secret");
            return AuthenticateResult.Fail(AuthChallenge.Message);
        }

        var now = TimeProvider.GetUtcNow();
        if (key.LastUsedAt is null || now - key.LastUsedAt >= TouchInterval)
        {
            var staleBefore = now - TouchInterval;
            await db.ApiKeys
                .Where(k => k.KeyId == keyId && (k.LastUsedAt == null || k.LastUsedAt <= staleBefore))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
        }

        // The account came with the key: the endpoints need not read it again.
        accounts.Remember(AccountRow.From(key.Account));
        var principal = AccountPrincipal.Create(key.AccountId, "api_key", AuthSchemes.ApiKey);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, AuthSchemes.ApiKey));
    }

    private sealed record KeyRow(string AccountId, byte[] SecretHash, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, Account Account);

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => AuthChallenge.WriteAsync(Context);

    // The reason is for operators; the credential itself is never logged.
    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "API key rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);
}
