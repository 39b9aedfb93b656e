using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Auth;

/// <summary>
/// Settings under <c>Auth:Jwt</c>. Keys come from an OIDC authority or a JWKS URL (RS256/ES256), or are configured
/// directly: a public key PEM (RS256/ES256) or, only when set, an HMAC key (HS256). With no key source, every JWT is
/// rejected and API keys remain the only credential.
/// </summary>
internal sealed class JwtOptions : IValidatableObject
{
    public const string Section = "Auth:Jwt";

    /// <summary>The most clock skew tolerated on exp/nbf.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public string? Issuer { get; set; }

    public string? Audience { get; set; }

    /// <summary>OIDC authority; keys come from its discovery document.</summary>
    public Uri? Authority { get; set; }

    /// <summary>A JWKS document with the signing keys (without OIDC discovery).</summary>
    public Uri? JwksUrl { get; set; }

    /// <summary>An RSA or EC (P-256) public key in PEM.</summary>
    public string? PublicKeyPem { get; set; }

    /// <summary>Base64 key of at least 32 bytes; HS256 is accepted only when this is set.</summary>
    public string? HmacKey { get; set; }

    /// <summary>The claim holding the caller's account id.</summary>
    public string AccountIdClaim { get; set; } = "sub";

    /// <summary>Fetch authority/JWKS metadata over HTTPS only (turn off only for a loopback test authority).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool HasKeySource =>
        Authority is not null || JwksUrl is not null || !string.IsNullOrWhiteSpace(PublicKeyPem) || !string.IsNullOrWhiteSpace(HmacKey);

    /// <summary>Keys configured directly, and the algorithms pinned for them.</summary>
    public (IReadOnlyList<SecurityKey> Keys, IReadOnlyList<string> Algorithms) StaticKeys()
    {
        var keys = new List<SecurityKey>();
        var algorithms = new List<string>();
        if (Authority is not null || JwksUrl is not null)
        {
            algorithms.AddRange([SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256]);
        }

        if (!string.IsNullOrWhiteSpace(PublicKeyPem))
        {
            var (key, algorithm) = ReadPublicKey(PublicKeyPem);
            keys.Add(key);
            algorithms.Add(algorithm);
        }

        if (!string.IsNullOrWhiteSpace(HmacKey))
        {
            keys.Add(new SymmetricSecurityKey(Convert.FromBase64String(HmacKey)));
            algorithms.Add(SecurityAlgorithms.HmacSha256);
        }

        return (keys, algorithms.Distinct(StringComparer.Ordinal).ToList());
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!HasKeySource)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Issuer))
        {
            yield return new ValidationResult($"{Section}:Issuer is required when JWTs are accepted.");
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return new ValidationResult($"{Section}:Audience is required when JWTs are accepted.");
        }

        if (string.IsNullOrWhiteSpace(AccountIdClaim))
        {
            yield return new ValidationResult($"{Section}:AccountIdClaim must name a claim.");
        }

        if (!string.IsNullOrWhiteSpace(HmacKey))
        {
            var buffer = new byte[HmacKey.Length];
            if (!Convert.TryFromBase64String(HmacKey, buffer, out var length) || length < 32)
            {
                yield return new ValidationResult($"{Section}:HmacKey must be base64 of at least 32 bytes.");
            }
        }

        if (!string.IsNullOrWhiteSpace(PublicKeyPem) && !TryReadPublicKey(PublicKeyPem))
        {
            yield return new ValidationResult($"{Section}:PublicKeyPem must be an RSA or P-256 EC public key in PEM.");
        }
    }

    private static bool TryReadPublicKey(string pem)
    {
        try
        {
            _ = ReadPublicKey(pem);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException or NotSupportedException)
        {
            return false;
        }
    }

    private static (SecurityKey Key, string Algorithm) ReadPublicKey(string pem)
    {
        // Both key kinds may use the "PUBLIC KEY" label: try RSA, then EC.
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return (new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
        }

        var ec = ECDsa.Create();
        ec.ImportFromPem(pem);
        if (ec.KeySize != 256)
        {
            ec.Dispose();
            throw new NotSupportedException("Only P-256 EC keys (ES256) are supported.");
        }

        return (new ECDsaSecurityKey(ec), SecurityAlgorithms.EcdsaSha256);
    }
}
