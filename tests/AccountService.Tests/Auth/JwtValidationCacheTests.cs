using System.Security.Cryptography;
using AccountService.Auth;
using AccountService.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Tests.Auth;

/// <summary>The handler that remembers validated JWTs: what it answers from memory, and what it never does.</summary>
public sealed class JwtValidationCacheTests
{
    private static readonly TokenValidationParameters Parameters = new()
    {
        ValidIssuer = TestAuth.Issuer,
        ValidAudience = TestAuth.Audience,
        IssuerSigningKey = new RsaSecurityKey(TestAuth.RsaKey),
    };

    [Fact]
    public async Task AValidatedTokenIsAnsweredFromMemoryWithItsAccountClaimAndValidityOnly()
    {
        using var handler = new CachingJsonWebTokenHandler(100, new HashSet<string>(["sub"], StringComparer.Ordinal), TimeProvider.System);
        var token = TestAuth.Jwt("acc_cached");
        var first = await handler.ValidateTokenAsync(token, Parameters);

        // Checked against a key that never signed it: only a remembered outcome can be valid now.
        var withOtherKey = Parameters.Clone();
        withOtherKey.IssuerSigningKey = new RsaSecurityKey(RSA.Create(2048));
        var again = await handler.ValidateTokenAsync(token, withOtherKey);
        var other = await handler.ValidateTokenAsync(TestAuth.Jwt("acc_other"), withOtherKey);

        Assert.True(first.IsValid);
        Assert.True(again.IsValid);
        Assert.Equal([("sub", "acc_cached")], again.ClaimsIdentity.Claims.Select(c => (c.Type, c.Value)));
        Assert.Equal(first.SecurityToken.ValidTo, again.SecurityToken.ValidTo);
        Assert.False(other.IsValid);
    }

    [Fact]
    public async Task AFailedValidationIsNotRemembered()
    {
        using var handler = new CachingJsonWebTokenHandler(100, new HashSet<string>(["sub"], StringComparer.Ordinal), TimeProvider.System);
        var token = TestAuth.Jwt("acc_later");
        var wrongKey = Parameters.Clone();
        wrongKey.IssuerSigningKey = new RsaSecurityKey(RSA.Create(2048));

        var refused = await handler.ValidateTokenAsync(token, wrongKey);
        var accepted = await handler.ValidateTokenAsync(token, Parameters);

        Assert.False(refused.IsValid);
        Assert.True(accepted.IsValid);
    }
}
