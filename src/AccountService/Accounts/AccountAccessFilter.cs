using AccountService.Errors;

namespace AccountService.Accounts;

/// <summary>
/// Answers <c>403 FORBIDDEN</c> for a caller whose account is disabled by an administrator
/// (<see cref="AccountAccess.IsDisabledByAdmin"/>), before the endpoint runs; the account is the request's resolved
/// caller, so this costs no read of its own for an API key.
/// </summary>
internal sealed class AccountAccessFilter(ApiErrors errors) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (await http.CallerAccount().AccountAsync(http.RequestAborted) is { } account && AccountAccess.IsDisabledByAdmin(account.Status))
        {
            return errors.Result(ErrorCodes.Forbidden, AccountAccess.DisabledMessage);
        }

        return await next(context);
    }
}
