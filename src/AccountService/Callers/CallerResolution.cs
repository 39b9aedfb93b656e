namespace AccountService.Callers;

/// <summary>
/// A request feature the rate limiter sets before authentication runs. Asked only when a credential is not in memory
/// and would cost a database lookup: false once the client has spent its budget for failed credentials, so guessed keys
/// cost no database work.
/// </summary>
internal abstract class CallerResolution
{
    public abstract ValueTask<bool> MayLookUpAsync();
}
