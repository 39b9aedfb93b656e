using System.Security.Cryptography;
using AccountService.Auth;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
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

    [Fact]
    public async Task ARememberedTokenIsAnsweredUntilItExpiresOrMaxReuseHasPassed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var handler = new CachingJsonWebTokenHandler(100, new HashSet<string>(["sub"], StringComparer.Ordinal), clock);
        var longLived = TestAuth.Jwt("acc_long", expires: DateTime.UtcNow.AddHours(1));
        var shortLived = TestAuth.Jwt("acc_short", expires: DateTime.UtcNow.AddMinutes(2));
        Assert.True((await handler.ValidateTokenAsync(longLived, Parameters)).IsValid);
        Assert.True((await handler.ValidateTokenAsync(shortLived, Parameters)).IsValid);
        var withOtherKey = Parameters.Clone();
        withOtherKey.IssuerSigningKey = new RsaSecurityKey(RSA.Create(2048));

        // Only a remembered outcome is valid against a key that never signed the tokens.
        clock.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        Assert.True((await handler.ValidateTokenAsync(shortLived, withOtherKey)).IsValid);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False((await handler.ValidateTokenAsync(shortLived, withOtherKey)).IsValid);
        Assert.True((await handler.ValidateTokenAsync(longLived, withOtherKey)).IsValid);

        clock.Advance(CachingJsonWebTokenHandler.MaxReuse - TimeSpan.FromMinutes(2));
        Assert.False((await handler.ValidateTokenAsync(longLived, withOtherKey)).IsValid);
    }

    [Fact]
    public async Task ATokenPresentedOftenStaysWhileManyOthersPassThroughOnce()
    {
        using var handler = new CachingJsonWebTokenHandler(100, new HashSet<string>(["sub"], StringComparer.Ordinal), TimeProvider.System);
        var busy = TestAuth.Jwt("acc_busy");
        for (var i = 0; i < 20; i++)
        {
            Assert.True((await handler.ValidateTokenAsync(busy, Parameters)).IsValid);
        }

        handler.Maintain();
        for (var i = 0; i < 500; i++)
        {
            Assert.True((await handler.ValidateTokenAsync(TestAuth.Jwt($"acc_once_{i}"), Parameters)).IsValid);
            if (i % 50 == 49)
            {
                handler.Maintain();
            }
        }

        handler.Maintain();
        var withOtherKey = Parameters.Clone();
        withOtherKey.IssuerSigningKey = new RsaSecurityKey(RSA.Create(2048));
        Assert.True((await handler.ValidateTokenAsync(busy, withOtherKey)).IsValid);
        Assert.InRange(handler.Count, 90, 100);
    }
}
