using System.ComponentModel.DataAnnotations;

namespace AccountService.ApiKeys;

/// <summary>Settings under <c>Auth:ApiKeys</c>.</summary>
internal sealed class ApiKeyOptions : IValidatableObject
{
    public const string Section = "Auth:ApiKeys";

    /// <summary>Optional base64 server-side pepper (at least 16 bytes) for HMAC-SHA-256 key hashes.</summary>
    public string? Pepper { get; set; }

    internal byte[]? PepperBytes => string.IsNullOrEmpty(Pepper) ? null : Convert.FromBase64String(Pepper);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(Pepper))
        {
            yield break;
        }

        var bytes = new byte[Pepper.Length];
        if (!Convert.TryFromBase64String(Pepper, bytes, out var length) || length < 16)
        {
            yield return new ValidationResult(
                $"{Section}:Pepper must be base64 of at least 16 bytes.", [nameof(Pepper)]);
        }
    }
}
