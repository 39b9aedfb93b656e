using Npgsql;

namespace AccountService.Data;

/// <summary>
/// Which exceptions mean the database cannot be reached, as opposed to a statement that failed. One classification for
/// every path: requests (known callers from memory, else 503 with <c>Retry-After</c>), the change listener, the CLI and
/// the background writers.
/// </summary>
internal static class DatabaseFaults
{
    // Server states that say "not here, not now": the server shutting down or starting (57P01, 57P02, 57P03), a
    // statement timeout (57014), too many connections (53300), and a standby answering a write (25006: the primary
    // changed, or is changing).
    private static readonly HashSet<string> UnavailableStates = ["57014", "57P01", "57P02", "57P03", "53300", "25006"];

    /// <summary>
    /// The driver's own failures, with no statement behind them (no host the connection string names is up or is the
    /// primary, connection refused or reset, pool exhausted, timeouts), a command whose connection broke under it
    /// (<see cref="BrokenConnections"/>), and the server states above or of class 08 (connection exception). Every other
    /// error the server returns for a statement is a bug, not an outage.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException pg => UnavailableStates.Contains(pg.SqlState) || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException or TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsUnavailable),
        _ when BrokenConnections.Marked(exception) => true,
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };
}
