using Microsoft.EntityFrameworkCore;

namespace AccountService.Data;

internal static class AccountDatabase
{
    /// <summary>How the CLI, the design-time factory and the tests reach PostgreSQL: a connection string and <see cref="UseAccountConventions"/>.</summary>
    public static DbContextOptionsBuilder UseAccountDatabase(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString).UseAccountConventions();

    /// <summary>What every context adds to its connection, the service's pooled one included.</summary>
    public static DbContextOptionsBuilder UseAccountConventions(this DbContextOptionsBuilder options) =>
        options.UseSnakeCaseNamingConvention().AddInterceptors(BrokenConnections.Instance);
}
