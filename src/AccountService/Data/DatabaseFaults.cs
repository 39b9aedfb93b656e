using Npgsql;

namespace AccountService.Data;

/// <summary>Which exceptions mean the database is not answering, as opposed to a statement that failed.</summary>
internal static class DatabaseFaults
{
    // query_canceled (statement timeout), admin/crash shutdown, cannot connect now, too many connections.
    private static readonly HashSet<string> UnavailableStates = ["57014", "57P01", "57P02", "57P03", "53300"];

    /// <summary>
    /// Connection refused or reset, pool exhausted, timeouts, the server shutting down or out of connections, a command
    /// whose connection broke under it (<see cref="BrokenConnections"/>). Other
    /// errors the server returns for a statement are bugs, not outages.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is NpgsqlException { IsTransient: true } or TimeoutException
                || BrokenConnections.Marked(ex)
                || (ex is PostgresException pg && UnavailableStates.Contains(pg.SqlState)))
            {
                return true;
            }
        }

        return false;
    }
}
