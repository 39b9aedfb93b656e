using System.ComponentModel.DataAnnotations;

namespace AccountService.ApiKeys;

/// <summary>
/// Settings under <c>DataProtection</c>: the key that encrypts the Data Protection key ring where it is stored (in
/// PostgreSQL, next to the answers it protects). It never goes to the database or the logs.
/// </summary>
internal sealed class KeyRingOptions : IValidatableObject
{
    public const string Section = "DataProtection";

    public const string KeySetting = Section + ":" + nameof(KeyRingKey);

    /// <summary>Base64 of 32 random bytes (AES-256), the same on every replica.</summary>
    public string? KeyRingKey { get; set; }

    public bool IsSet => !string.IsNullOrEmpty(KeyRingKey);

    /// <summary>The key's bytes; only for settings that passed validation.</summary>
    internal byte[] KeyBytes() => IsSet
        ? Convert.FromBase64String(KeyRingKey!)
        : throw new InvalidOperationException($"{KeySetting} is not set: no Data Protection key can be stored or read.");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsSet)
        {
            yield break;
        }

        var bytes = new byte[KeyRingKey!.Length];
        if (!Convert.TryFromBase64String(KeyRingKey, bytes, out var length) || length != 32)
        {
            yield return new ValidationResult($"{KeySetting} must be base64 of 32 bytes.", [nameof(KeyRingKey)]);
        }
    }
}
