using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AccountService.Data;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the app. Migrations are generated
/// offline, so no real database is needed: the connection string only names the provider.
/// </summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<AccountDbContext>
{
    public AccountDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<AccountDbContext>();
        options.UseAccountDatabase("Host=localhost");
        return new AccountDbContext(options.Options);
    }
}
