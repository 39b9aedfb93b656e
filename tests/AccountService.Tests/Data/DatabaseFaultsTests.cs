using System.Net.Sockets;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccountService.Tests.Data;

/// <summary>What counts as the database being unreachable (503, memory) and what is a bug (500).</summary>
public sealed class DatabaseFaultsTests
{
    public static TheoryData<string, Exception> Unavailable => new()
    {
        { "no suitable host (multi-host, no primary)", new NpgsqlException("No suitable host was found.") },
        {
            "every host failed differently",
            new NpgsqlException("Unable to connect to a suitable host.", new AggregateException(new SocketException((int)SocketError.ConnectionRefused), new TimeoutException()))
        },
        { "connection refused", new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused)) },
        { "connection reset mid-command", new NpgsqlException("Exception while reading from stream", new IOException("Connection reset by peer")) },
        { "admin shutdown (57P01)", Server("57P01") },
        { "crash shutdown (57P02)", Server("57P02") },
        { "cannot connect now (57P03)", Server("57P03") },
        { "read-only standby answering a write (25006)", Server("25006") },
        { "connection failure (08006)", Server("08006") },
        { "too many connections (53300)", Server("53300") },
        { "wrapped by EF", new DbUpdateException("An error occurred while saving the entity changes.", Server("25006")) },
    };

    public static TheoryData<string, Exception> Bugs => new()
    {
        { "undefined table (42P01)", Server("42P01") },
        { "unique violation (23505)", Server("23505") },
        { "string too long (22001)", Server("22001") },
        { "a bug of ours", new InvalidOperationException("Sequence contains more than one element") },
    };

    [Theory]
    [MemberData(nameof(Unavailable))]
    public void TheDatabaseBeingUnreachableIsUnavailable(string what, Exception exception) =>
        Assert.True(DatabaseFaults.IsUnavailable(exception), what);

    [Theory]
    [MemberData(nameof(Bugs))]
    public void AStatementThatFailedIsNotAnOutage(string what, Exception exception) =>
        Assert.False(DatabaseFaults.IsUnavailable(exception), what);

    private static PostgresException Server(string sqlState) => new("message", "FATAL", "FATAL", sqlState);
}
