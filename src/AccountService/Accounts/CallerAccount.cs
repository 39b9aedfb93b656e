namespace AccountService.Accounts;

/// <summary>
/// The caller's account for one request, put on <see cref="HttpContext.Features"/> by caller resolution once
/// authentication succeeded: an API key brings the account it was read with; a JWT's account is read on first use and
/// kept for the rest of the request. The account endpoints depend on this, not on how a caller is resolved.
/// </summary>
internal interface ICallerAccountFeature
{
    /// <summary>The caller's account, or null when there is none (a JWT naming an unknown account).</summary>
    ValueTask<AccountRow?> AccountAsync(CancellationToken ct);

    /// <summary>The account's Stripe customer and its apps' seats (<c>GET /api/account</c>); null when there is no such account.</summary>
    ValueTask<AccountSeats?> SeatsAsync(CancellationToken ct);
}

internal static class CallerAccountExtensions
{
    /// <summary>The request's <see cref="ICallerAccountFeature"/>; only endpoints that require authorization have one.</summary>
    public static ICallerAccountFeature CallerAccount(this HttpContext context) =>
        context.Features.Get<ICallerAccountFeature>()
        ?? throw new InvalidOperationException("No caller was resolved for this request: the endpoint must require authorization.");
}
