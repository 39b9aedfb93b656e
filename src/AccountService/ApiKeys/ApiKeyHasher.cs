using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace AccountService.ApiKeys;

/// <summary>
/// Hashes API key secrets: SHA-256, or HMAC-SHA-256 keyed with the server-side pepper when one is configured,
/// so a leaked table alone cannot be used to test guesses.
/// </summary>
internal sealed class ApiKeyHasher(IOptions<ApiKeyOptions> options)
{
    private readonly byte[]? _pepper = options.Value.PepperBytes;

    public byte[] Hash(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        return _pepper is null ? SHA256.HashData(bytes) : HMACSHA256.HashData(_pepper, bytes);
    }

    /// <summary>Compares in fixed time, so timing does not tell how much of a guess was right.</summary>
    public bool Matches(string secret, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);
}
