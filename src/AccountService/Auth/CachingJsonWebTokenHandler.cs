using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using BitFaster.Caching.Lfu;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Auth;

/// <summary>
/// JsonWebTokenHandler that remembers tokens it has found valid, so a caller presenting the same JWT again is not
/// re-verified on every request (a signature check costs more than the rest of the request). A token is remembered
/// by its exact text, at most until it expires and at most <see cref="MaxReuse"/>, so a signing key withdrawn from
/// the JWKS stops being honoured within that. Both are measured on the injected clock, the one lifetime validation
/// reads too. Failed validations are never remembered. A token whose header has a <c>crit</c> parameter is refused
/// (<see cref="HasCriticalHeader"/>). At most <c>capacity</c> tokens are held, chosen by the caller cache's policy
/// (W-TinyLFU): tokens presented often stay when many others pass through once, and a new token never waits on a scan
/// of the others.
/// </summary>
/// <remarks>
/// What is remembered is the outcome only: the claims named in <paramref name="keptClaims"/> and the validity period,
/// under a 128-bit digest of the token's text, not the token itself, its decoded header and payload or the validation
/// parameters a full result holds on to (several kilobytes per caller).
/// </remarks>
internal sealed class CachingJsonWebTokenHandler(int capacity, IReadOnlySet<string> keptClaims, TimeProvider time) : JsonWebTokenHandler, IDisposable
{
    public static readonly TimeSpan MaxReuse = TimeSpan.FromMinutes(5);

    private readonly ConcurrentLfu<UInt128, Outcome> _valid = new(capacity);

    /// <summary>Tokens held now, expired ones included until they are asked for again or evicted.</summary>
    internal int Count => _valid.Count;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var key = Digest(token);
        if (_valid.TryGet(key, out var outcome))
        {
            if (time.GetUtcNow() < outcome.Until)
            {
                return outcome.ToResult();
            }

            _valid.TryRemove(new KeyValuePair<UInt128, Outcome>(key, outcome));
        }

        if (HasCriticalHeader(token))
        {
            return new TokenValidationResult
            {
                IsValid = false,
                Exception = new SecurityTokenException("The token's header lists critical extensions (crit), none of which this service understands."),
            };
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } validated && result.ClaimsIdentity is { } identity)
        {
            var now = time.GetUtcNow();
            var until = new DateTimeOffset(validated.ValidTo, TimeSpan.Zero);
            var cap = now + MaxReuse;
            if (until > now)
            {
                _valid.AddOrUpdate(key, Outcome.Of(validated, identity, keptClaims, until < cap ? until : cap));
            }
        }

        return result;
    }

    public void Dispose() => _valid.Clear();

    /// <summary>Applies pending evictions now (they are otherwise applied in the background, in batches).</summary>
    internal void Maintain() => _valid.DoMaintenance();

    /// <summary>
    /// Whether the JOSE header has a <c>crit</c> parameter. RFC 7515 §4.1.11: a token listing an extension the recipient
    /// does not understand is invalid, and an empty or malformed list is invalid too. This service understands no
    /// extension, so any <c>crit</c> makes the token invalid; JsonWebTokenHandler does not check it. A header that does
    /// not decode is left to the base handler, which refuses it.
    /// </summary>
    private static bool HasCriticalHeader(string token)
    {
        var end = token.IndexOf('.', StringComparison.Ordinal);
        if (end <= 0)
        {
            return false;
        }

        try
        {
            using var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token[..end]));
            return header.RootElement.ValueKind == JsonValueKind.Object && header.RootElement.TryGetProperty("crit", out _);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or JsonException)
        {
            return false;
        }
    }

    // The text's own UTF-16 bytes are hashed, with no copy. A second-preimage of a truncated SHA-256 costs 2^128
    // work: a forged token cannot take a valid one's place.
    private static UInt128 Digest(string token)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(MemoryMarshal.AsBytes(token.AsSpan()), hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    /// <summary>
    /// A validated token's claims and validity period, detached from the parsed token, answered until
    /// <see cref="Until"/> (its expiry, or <see cref="MaxReuse"/> after it was validated, whichever is sooner).
    /// </summary>
    private sealed class Outcome(ValidatedToken token, Claim[] claims, string? authenticationType, string nameType, string roleType, DateTimeOffset until)
    {
        public DateTimeOffset Until => until;

        public static Outcome Of(SecurityToken token, ClaimsIdentity identity, IReadOnlySet<string> kept, DateTimeOffset until) => new(
            new ValidatedToken(token.Id, token.Issuer, token.ValidFrom, token.ValidTo),
            [.. identity.Claims.Where(c => kept.Contains(c.Type)).Select(c => new Claim(c.Type, c.Value, c.ValueType, c.Issuer, c.OriginalIssuer))],
            identity.AuthenticationType,
            identity.NameClaimType,
            identity.RoleClaimType,
            until);

        // A fresh identity per request: the authentication pipeline may add to the principal it is given.
        public TokenValidationResult ToResult() => new()
        {
            IsValid = true,
            SecurityToken = token,
            ClaimsIdentity = new ClaimsIdentity(claims, authenticationType, nameType, roleType),
        };
    }

    /// <summary>
    /// What JwtBearer reads from a validated token (its validity period, for the ticket), without the token itself.
    /// </summary>
    private sealed class ValidatedToken(string id, string issuer, DateTime validFrom, DateTime validTo) : SecurityToken
    {
        public override string Id => id;

        public override string Issuer => issuer;

        public override SecurityKey? SecurityKey => null;

        public override SecurityKey? SigningKey { get; set; }

        public override DateTime ValidFrom => validFrom;

        public override DateTime ValidTo => validTo;

        public override string UnsafeToString() => $"validated token {id}";
    }
}
