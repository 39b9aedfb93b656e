using AccountService.Data;
using FluentValidation;

namespace AccountService.ApiKeys;

/// <summary>The rules of API keys, the same whether a key is managed over HTTP or with the operator CLI.</summary>
internal static class ApiKeyRules
{
    /// <summary>Active (not revoked) keys one account may hold at once.</summary>
    public const int MaxActiveKeysPerAccount = 10;

    /// <summary>The most characters (Unicode code points, as PostgreSQL counts them) a key's name may have.</summary>
    public const int NameMaxLength = 64;

    /// <summary>
    /// A key's name, by the one rule for names (<see cref="NameRules.MustBeName"/>), at most <see cref="NameMaxLength"/>
    /// characters; used by <c>POST /api/api-keys</c> and <c>keys create</c> alike.
    /// </summary>
    public static IRuleBuilderOptions<T, string> MustBeKeyName<T>(this IRuleBuilderInitial<T, string> rule) =>
        rule.MustBeName(NameMaxLength);
}
