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

        // An account's apps in byte order of name, then id: the order GET /api/account promises on every database
        // collation, read straight from the index.
        builder.HasIndex(a => new { a.AccountId, a.Name, a.Id }).UseCollation(null!, "C", "C");

        builder.HasOne(a => a.Subscription).WithOne().HasForeignKey<AppSubscription>(s => s.AppId).OnDelete(DeleteBehavior.Cascade);
    }
}
