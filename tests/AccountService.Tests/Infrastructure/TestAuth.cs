using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Tests.Infrastructure;

/// <summary>Mints JWTs the way an identity provider would, with keys made for this test run.</summary>
internal static class TestAuth
{
    public const string Issuer = "https://issuer.accountservice.test";
    public const string Audience = "accountservice-tests";

    public static readonly RSA RsaKey = RSA.Create(2048);

    public static string RsaPublicKeyPem { get; } = RsaKey.ExportSubjectPublicKeyInfoPem();

    /// <summary>Settings that make the service accept JWTs signed by <see cref="RsaKey"/>.</summary>
    public static Dictionary<string, string?> JwtSettings() => new()
    {
        ["Auth:Jwt:Issuer"] = Issuer,
        ["Auth:Jwt:Audience"] = Audience,
        ["Auth:Jwt:PublicKeyPem"] = RsaPublicKeyPem,
    };

    public static string Jwt(
        string accountId,
        SigningCredentials? signing = null,
        string issuer = Issuer,
        string audience = Audience,
        DateTime? notBefore = null,
        DateTime? expires = null,
        string claim = "sub",
        IDictionary<string, object>? headers = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            AdditionalHeaderClaims = headers,
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { [claim] = accountId },
            IssuedAt = notBefore ?? now,
            NotBefore = notBefore ?? now.AddSeconds(-5),
            Expires = expires ?? now.AddMinutes(10),
            SigningCredentials = signing ?? RsaSigning,
        });
    }

    public static SigningCredentials RsaSigning { get; } = new(new RsaSecurityKey(RsaKey), SecurityAlgorithms.RsaSha256);

    public static SigningCredentials Hmac(byte[] key) => new(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256);

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise valid claims.</summary>
    public static string UnsignedJwt(string accountId)
    {
        var header = Base64Url("""{"alg":"none","typ":"JWT"}""");
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var payload = Base64Url($$"""{"sub":"{{accountId}}","iss":"{{Issuer}}","aud":"{{Audience}}","exp":{{exp}}}""");
        return $"{header}.{payload}.";
    }

    public static string Base64Url(string text) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(text));

    public static ClaimsIdentity Subject(string accountId) => new([new Claim("sub", accountId)]);
}
