using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace AccountService.ApiKeys;

/// <summary>
/// Encrypts each secret of the Data Protection key ring (a key's <c>masterKey</c> element) with AES-256-GCM under
/// <c>DataProtection:KeyRingKey</c> before it is stored: a random 96-bit nonce per element, the 128-bit tag checked on
/// the way back. Data Protection stores the result as <c>&lt;encryptedSecret decryptorType="…KeyRingDecryptor…"&gt;</c>
/// and hands it to <see cref="KeyRingDecryptor"/> when it reads the ring. Without the setting nothing is stored.
/// </summary>
internal sealed class KeyRingEncryptor(IOptions<KeyRingOptions> options) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(KeyRingCipher.Seal(options.Value.KeyBytes(), plaintextElement), typeof(KeyRingDecryptor));
}

/// <summary>Opens what <see cref="KeyRingEncryptor"/> sealed. Data Protection creates it by type name, with the app's services.</summary>
internal sealed class KeyRingDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var options = services.GetService<IOptions<KeyRingOptions>>()?.Value ?? new KeyRingOptions();
        return KeyRingCipher.Open(options.KeyBytes(), encryptedElement);
    }
}

/// <summary>The sealed form: <c>&lt;keyRingSecret v="1"&gt;base64(nonce ‖ tag ‖ ciphertext)&lt;/keyRingSecret&gt;</c>.</summary>
internal static class KeyRingCipher
{
    public static readonly XName ElementName = XName.Get("keyRingSecret", "urn:accountservice:data-protection");

    private const int NonceSize = 12;
    private const int TagSize = 16;

    // Binds the ciphertext to this use of the key: a blob sealed for anything else does not open here.
    private static readonly byte[] AssociatedData = Encoding.UTF8.GetBytes("AccountService.DataProtection.KeyRing.v1");

    public static XElement Seal(byte[] key, XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        try
        {
            var sealedBytes = new byte[NonceSize + TagSize + plaintext.Length];
            var nonce = sealedBytes.AsSpan(0, NonceSize);
            RandomNumberGenerator.Fill(nonce);
            using var aes = new AesGcm(key, TagSize);
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), AssociatedData);
            return new XElement(ElementName, new XAttribute("v", "1"), Convert.ToBase64String(sealedBytes));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public static XElement Open(byte[] key, XElement sealedElement)
    {
        if (sealedElement.Name != ElementName || (string?)sealedElement.Attribute("v") != "1")
        {
            throw new CryptographicException($"Not a key ring secret sealed by this service: <{sealedElement.Name.LocalName}>.");
        }

        var sealedBytes = Convert.FromBase64String(sealedElement.Value);
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The key ring secret is truncated.");
        }

        var plaintext = new byte[sealedBytes.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            try
            {
                aes.Decrypt(
                    sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), plaintext, AssociatedData);
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new CryptographicException(
                    $"A Data Protection key does not open with {KeyRingOptions.KeySetting}: it was stored under another key, or altered.");
            }

            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
