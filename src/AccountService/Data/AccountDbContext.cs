using AccountService.Accounts;
using AccountService.Auth;
using AccountService.Billing;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Data;

/// <summary>The service's PostgreSQL database. Options-only constructor: context pooling requires it.</summary>
internal sealed class AccountDbContext(DbContextOptions<AccountDbContext> options) : DbContext(options)
{
    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<App> Apps => Set<App>();

    public DbSet<AppSubscription> AppSubscriptions => Set<AppSubscription>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<LastKnownCard> LastKnownCards => Set<LastKnownCard>();

    public DbSet<ProcessedStripeEvent> ProcessedStripeEvents => Set<ProcessedStripeEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AccountDbContext).Assembly);
}
