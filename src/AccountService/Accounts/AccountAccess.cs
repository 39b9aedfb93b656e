namespace AccountService.Accounts;

/// <summary>
/// What an account's status lets its callers do. An account disabled by an administrator may still read
/// <c>GET /v1/accounts/me</c> (so a client can see why) and nothing else; a disabled account of any kind cannot create
/// API keys.
/// </summary>
internal static class AccountAccess
{
    public const string DisabledMessage = "The account is disabled by an administrator.";

    public const string NoNewKeysMessage = "The account is disabled; API keys cannot be created for it.";

    public static bool IsDisabledByAdmin(AccountStatus status) => status == AccountStatus.DisabledByAdmin;

    public static bool MayCreateKeys(AccountStatus status) =>
        status is not (AccountStatus.DisabledByAdmin or AccountStatus.DisabledQuotaReached);
}
