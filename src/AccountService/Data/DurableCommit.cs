using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace AccountService.Data;

/// <summary>
/// Writes that must survive a failover once acknowledged (a revocation, a seat Stripe changed): their transaction
/// commits with <c>synchronous_commit = remote_apply</c>, so on a cluster with a synchronous standby the commit returns
/// only once the standby has applied it, and a standby promoted after the acknowledgement has it too. Without a
/// synchronous standby the setting changes nothing.
/// </summary>
internal static class DurableCommit
{
    /// <summary>
    /// Sets the current transaction to commit durably; begins one when there is none and returns it, for the caller to
    /// commit (null when the caller's own transaction is used).
    /// </summary>
    public static async Task<IDbContextTransaction?> RequireAsync(DbContext db, CancellationToken ct)
    {
        var owned = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        await db.Database.ExecuteSqlRawAsync("SET LOCAL synchronous_commit = remote_apply", ct);
        return owned;
    }
}
