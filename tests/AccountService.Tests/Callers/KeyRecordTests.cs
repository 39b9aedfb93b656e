using System.Security.Cryptography;
using System.Text;
using AccountService.Callers;

namespace AccountService.Tests.Callers;

/// <summary>A held key keeps the stored hash of its secret in itself: a copy, exactly as stored.</summary>
public sealed class KeyRecordTests
{
    [Fact]
    public void AKeyHoldsItsOwnCopyOfTheStoredHash()
    {
        var stored = SHA256.HashData(Encoding.UTF8.GetBytes("0123456789abcdefghijklmn"));
        var expected = stored.ToArray();

        var key = new KeyRecord("acc_1", stored, revoked: false, lastUsedAt: null);
        Array.Clear(stored);

        Assert.Equal(expected, key.SecretHash.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void AStoredHashOfAnotherLengthIsRefused(int length) =>
        Assert.Throws<ArgumentException>(() => new KeyRecord("acc_1", new byte[length], revoked: false, lastUsedAt: null));
}
