using System.ComponentModel.DataAnnotations;

namespace AccountService.Errors;

/// <summary>Settings under <c>Errors</c>.</summary>
internal sealed class ErrorOptions
{
    public const string Section = "Errors";

    /// <summary>Base of the documentation site that <c>docUrl</c> points into.</summary>
    [Required]
    public Uri DocBaseUrl { get; set; } = new("https://orbitkit.io/");
}
