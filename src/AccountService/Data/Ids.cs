using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace AccountService.Data;

/// <summary>
/// Identifier formats: <c>acc_…</c> for accounts, OrbitKit-style <c>-N…</c> for apps, and the base62 random text
/// API keys are made of.
/// </summary>
internal static partial class Ids
{
    // Base62: no separators, so an id or a key survives double-click selection and URL encoding untouched.
    private const string Base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string NewAccountId() => "acc_" + NewBase62(20);

    public static string NewAppId() => "-N" + NewBase62(18);

    /// <summary><paramref name="length"/> characters from the CSPRNG, each of 62: about 5.95 bits apiece.</summary>
    public static string NewBase62(int length) => RandomNumberGenerator.GetString(Base62Alphabet, length);

    public static bool IsBase62(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Letters, digits, <c>_</c> and <c>-</c>; app ids may start with <c>-</c>.</summary>
    public static bool IsValid(string id) => id.Length <= Limits.IdLength && IdPattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
