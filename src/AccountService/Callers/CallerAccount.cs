using AccountService.Accounts;

namespace AccountService.Callers;

/// <summary>
/// <see cref="ICallerAccountFeature"/> for one request: the account resolution read with the caller's API key, else
/// the JWT's account, read on first use and kept for the rest of the request.
/// </summary>
internal sealed class CallerAccount(CallerResolver resolver, string accountId, ResolvedCaller? resolved) : ICallerAccountFeature
{
    private ResolvedCaller? _resolved = resolved;
    private bool _read = resolved is not null;

    public async ValueTask<AccountRow?> AccountAsync(CancellationToken ct)
    {
        if (!_read)
        {
            _resolved = await resolver.FindAccountAsync(accountId, ct);
            _read = true;
        }

        return _resolved?.Account;
    }

    public ValueTask<AccountSeats?> SeatsAsync(CancellationToken ct) => resolver.FindSeatsAsync(accountId, _resolved?.State, ct);
}
