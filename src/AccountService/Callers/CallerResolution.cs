namespace AccountService.Callers;

/// <summary>
/// A request feature the rate limiter sets before authentication runs: <see cref="MemoryOnly"/> when the client has
/// spent its budget for failed credentials, so an unknown key costs no database work.
/// </summary>
internal sealed class CallerResolution(bool memoryOnly)
{
    public static readonly CallerResolution FromMemoryOnly = new(true);

    public bool MemoryOnly { get; } = memoryOnly;
}
