using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace AccountService.Data;

/// <summary>
/// Marks a failed command whose connection broke under it, so <see cref="DatabaseFaults"/> counts it as the database
/// being unreachable whatever the driver raised on the way down. A connection cut mid-command can surface from inside
/// Npgsql as a <see cref="NullReferenceException"/> instead of the I/O error behind it (seen when a statement was being
/// auto-prepared as the socket closed): that is a failed connection too, and a retry is the caller's remedy.
/// A broken connection also clears its pool: the idle connections opened beside it (before a server restart, a
/// failover, a terminated backend) are most likely dead as well, and the next command should not find out one by one.
/// </summary>
internal sealed class BrokenConnections : DbCommandInterceptor
{
    public static readonly BrokenConnections Instance = new();

    private const string Marker = "AccountService.ConnectionBroken";

    private BrokenConnections()
    {
    }

    public static bool Marked(Exception exception) => exception.Data.Contains(Marker);

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) =>
        Observe(command.Connection as NpgsqlConnection, eventData.Exception);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(command.Connection as NpgsqlConnection, eventData.Exception);
        return Task.CompletedTask;
    }

    /// <summary>What EF's failed commands go through, and what a read without EF calls when its command fails.</summary>
    public static void Observe(NpgsqlConnection? connection, Exception exception)
    {
        var broken = connection is { FullState: var state } && (state & ConnectionState.Broken) != 0;
        var driverFault = exception is NullReferenceException && exception.TargetSite?.DeclaringType?.Assembly == typeof(NpgsqlConnection).Assembly;
        if (broken || driverFault)
        {
            exception.Data[Marker] = true;
            if (connection is not null)
            {
                NpgsqlConnection.ClearPool(connection);
            }
        }
    }
}
