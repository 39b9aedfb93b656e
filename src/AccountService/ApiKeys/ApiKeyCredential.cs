using System.Diagnostics.CodeAnalysis;
using AccountService.Data;

namespace AccountService.ApiKeys;

/// <summary>
/// The OrbitKit API key format <c>ok_&lt;8-char key id&gt;_&lt;24-char secret&gt;</c>. The <c>ok_</c> prefix lets
/// secret scanners flag leaked keys; the key id finds the row; only a hash of the secret is stored. Both parts are
/// base62 (<see cref="Ids.NewBase62"/>).
/// </summary>
internal static class ApiKeyCredential
{
    public const string Prefix = "ok_";
    public const int KeyIdLength = 8;
    public const int SecretLength = 24;
    public const int Length = 3 + KeyIdLength + 1 + SecretLength;

    /// <summary>A new key from the CSPRNG: about 143 bits of secret.</summary>
    public static (string KeyId, string Secret, string Key) Generate()
    {
        var keyId = Ids.NewBase62(KeyIdLength);
        var secret = Ids.NewBase62(SecretLength);
        return (keyId, secret, Format(keyId, secret));
    }

    public static string Format(string keyId, string secret) => $"{Prefix}{keyId}_{secret}";

    /// <summary>Splits a presented key into key id and secret when it has the exact shape of one.</summary>
    public static bool TryParse(
        ReadOnlySpan<char> key,
        [NotNullWhen(true)] out string? keyId,
        [NotNullWhen(true)] out string? secret)
    {
        keyId = null;
        secret = null;
        if (!LooksLikeKey(key))
        {
            return false;
        }

        keyId = key.Slice(Prefix.Length, KeyIdLength).ToString();
        secret = key[(Prefix.Length + KeyIdLength + 1)..].ToString();
        return true;
    }

    /// <summary>True when the text has the exact shape of an API key (prefix, lengths, alphabet).</summary>
    public static bool LooksLikeKey(ReadOnlySpan<char> key) =>
        key.Length == Length
        && key.StartsWith(Prefix, StringComparison.Ordinal)
        && key[Prefix.Length + KeyIdLength] == '_'
        && Ids.IsBase62(key.Slice(Prefix.Length, KeyIdLength))
        && Ids.IsBase62(key[(Prefix.Length + KeyIdLength + 1)..]);

    public static bool IsKeyId(ReadOnlySpan<char> text) => text.Length == KeyIdLength && Ids.IsBase62(text);
}
