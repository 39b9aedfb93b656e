using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccountService.Billing;

internal sealed class AppConfiguration : IEntityTypeConfiguration<App>
{
    public void Configure(EntityTypeBuilder<App> builder)
    {
        builder.ToTable("apps");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasMaxLength(Limits.IdLength);
        builder.Property(a => a.AccountId).HasMaxLength(Limits.IdLength);
        builder.Property(a => a.Name).HasMaxLength(Limits.NameLength);
        builder.Property(a => a.CreatedAt).HasDefaultValueSql("now()");

        // GET /api/account lists an account's apps ordered by name, then id: this index serves both.
        builder.HasIndex(a => new { a.AccountId, a.Name, a.Id });

        builder.HasOne(a => a.Subscription).WithOne().HasForeignKey<AppSubscription>(s => s.AppId).OnDelete(DeleteBehavior.Cascade);
    }
}
