using System.Text.Json;
using System.Text.Json.Serialization;
using AccountService.Accounts;
using AccountService.Billing;

namespace AccountService.Data;

/// <summary>
/// How each enum is spelled in the database and on the operator CLI: Runloop's enums in UPPER_SNAKE without their
/// wire prefix, OrbitKit's in lower_snake exactly as its wire shows them.
/// </summary>
internal static class StoredNames
{
    public static readonly EnumText<AccountTier> Tier = new(JsonNamingPolicy.SnakeCaseUpper);
    public static readonly EnumText<AccountStatus> Status = new(JsonNamingPolicy.SnakeCaseUpper);
    public static readonly EnumText<BillingType> BillingType = new(JsonNamingPolicy.SnakeCaseUpper);
    public static readonly EnumText<PlanType> PlanType = new(JsonNamingPolicy.SnakeCaseLower);
    public static readonly EnumText<SubscriptionStatus> SubscriptionStatus = new(JsonNamingPolicy.SnakeCaseLower);

    /// <summary>Every enum above, written in JSON by its stored name.</summary>
    public static IEnumerable<JsonConverter> JsonConverters =>
        [Tier.JsonConverter, Status.JsonConverter, BillingType.JsonConverter, PlanType.JsonConverter, SubscriptionStatus.JsonConverter];
}
