using System.Security.Cryptography;
using System.Text;
using AccountService.ApiKeys;
using Microsoft.Extensions.Options;

namespace AccountService.Tests.ApiKeys;

/// <summary>A secret matches its own hash and nothing else, peppered or not, whatever its length.</summary>
public sealed class ApiKeyHasherTests
{
    private static readonly string Pepper = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    [Theory]
    [InlineData(1, false)]
    [InlineData(24, false)]
    [InlineData(85, false)]
    [InlineData(300, false)]
    [InlineData(24, true)]
    [InlineData(300, true)]
    public void ASecretMatchesItsHashOnly(int length, bool peppered)
    {
        var hasher = new ApiKeyHasher(Options.Create(new ApiKeyOptions { Pepper = peppered ? Pepper : null }));
        var secret = new string('é', length);
        var stored = hasher.Hash(secret);

        var expected = peppered
            ? HMACSHA256.HashData(Convert.FromBase64String(Pepper), Encoding.UTF8.GetBytes(secret))
            : SHA256.HashData(Encoding.UTF8.GetBytes(secret));

        Assert.Equal(expected, stored);
        Assert.True(hasher.Matches(secret, stored));
        Assert.False(hasher.Matches(secret[..^1] + "e", stored));
        Assert.False(hasher.Matches(secret + "é", stored));
    }
}
