namespace AccountService.Accounts;

/// <summary>Runloop account tiers, without the wire prefix <c>ACCOUNT_TIER_</c>.</summary>
internal enum AccountTier
{
    Basic,
    Pro,
    Enterprise,
    Trial,
}

/// <summary>Runloop account statuses, without the wire prefix <c>ACCOUNT_STATUS_</c>.</summary>
internal enum AccountStatus
{
    Onboarding,
    Enabled,
    DisabledByAdmin,
    DisabledQuotaReached,
    TrialCancelled,
    StripePendingResources,
}

/// <summary>Who bills the account (Runloop <c>billing.account_billing_type</c>).</summary>
internal enum BillingType
{
    Stripe,
    AwsMarketplace,
    StripeProjects,
}
