using System.Security.Cryptography;
using System.Text.RegularExpressions;
using AccountService.Data;

namespace AccountService.Operations;

/// <summary>Identifier formats: <c>acc_…</c> for accounts, OrbitKit-style <c>-N…</c> for apps.</summary>
internal static partial class Ids
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string NewAccountId() => "acc_" + RandomNumberGenerator.GetString(Alphabet, 20);

    public static string NewAppId() => "-N" + RandomNumberGenerator.GetString(Alphabet, 18);

    /// <summary>Letters, digits, <c>_</c> and <c>-</c>; app ids may start with <c>-</c>.</summary>
    public static bool IsValid(string id) => id.Length <= Limits.IdLength && IdPattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
