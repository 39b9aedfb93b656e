using AccountService.Accounts;
using AccountService.ApiKeys;
using AccountService.Billing;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Data;

/// <summary>The service's PostgreSQL database. Options-only constructor: context pooling requires it.</summary>
internal sealed class AccountDbContext(DbContextOptions<AccountDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<App> Apps => Set<App>();

    public DbSet<AppSubscription> AppSubscriptions => Set<AppSubscription>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<LastKnownCard> LastKnownCards => Set<LastKnownCard>();

    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    /// <summary>The Data Protection key ring, shared by every replica (see <c>AddApiKeys</c>).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<ProcessedStripeEvent> ProcessedStripeEvents => Set<ProcessedStripeEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AccountDbContext).Assembly);
}
