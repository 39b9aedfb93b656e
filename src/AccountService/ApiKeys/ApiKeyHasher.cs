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
    // Secrets up to this many UTF-8 bytes are hashed from the stack (ours are ApiKeyCredential.SecretLength base62
    // characters); longer ones from an array.
    private const int StackSecretBytes = 256;

    /// <summary>Bytes in a stored hash, SHA-256's and HMAC-SHA-256's alike.</summary>
    public const int HashSize = SHA256.HashSizeInBytes;

    private readonly byte[]? _pepper = options.Value.PepperBytes;

    public byte[] Hash(string secret)
    {
        var hash = new byte[HashSize];
        Hash(Encoding.UTF8.GetBytes(secret), hash);
        return hash;
    }

    /// <summary>
    /// Compares in fixed time, so timing does not tell how much of a guess was right. Nothing is allocated for a
    /// secret of ordinary length, and its bytes are wiped once hashed.
    /// </summary>
    public bool Matches(string secret, ReadOnlySpan<byte> storedHash)
    {
        if (Encoding.UTF8.GetMaxByteCount(secret.Length) > StackSecretBytes)
        {
            return CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);
        }

        Span<byte> bytes = stackalloc byte[StackSecretBytes];
        Span<byte> hash = stackalloc byte[HashSize];
        var secretBytes = bytes[..Encoding.UTF8.GetBytes(secret, bytes)];
        Hash(secretBytes, hash);
        CryptographicOperations.ZeroMemory(secretBytes);
        return CryptographicOperations.FixedTimeEquals(hash, storedHash);
    }

    // The one choice of hash: SHA-256, or HMAC-SHA-256 keyed with the pepper when one is configured.
    private void Hash(ReadOnlySpan<byte> secret, Span<byte> destination)
    {
        if (_pepper is null)
        {
            SHA256.HashData(secret, destination);
        }
        else
        {
            HMACSHA256.HashData(_pepper, secret, destination);
        }
    }
}
