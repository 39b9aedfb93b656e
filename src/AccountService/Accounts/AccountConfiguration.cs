using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccountService.Accounts;

internal sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> builder)
    {
        builder.ToTable("accounts", table =>
        {
            table.HasCheckConstraint("ck_accounts_tier", StoredNames.Tier.CheckSql("tier"));
            table.HasCheckConstraint("ck_accounts_status", StoredNames.Status.CheckSql("status"));
            table.HasCheckConstraint("ck_accounts_billing_type", StoredNames.BillingType.CheckSql("billing_type"));
        });

        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasMaxLength(Limits.IdLength);
        builder.Property(a => a.Name).HasMaxLength(Limits.NameLength);
        builder.Property(a => a.Tier).HasConversion(StoredNames.Tier.Converter).HasMaxLength(32);
        builder.Property(a => a.Status).HasConversion(StoredNames.Status.Converter).HasMaxLength(32);
        builder.Property(a => a.BillingType).HasConversion(StoredNames.BillingType.Converter).HasMaxLength(32);
        builder.Property(a => a.CreatedAt).HasDefaultValueSql("now()");
        builder.Property(a => a.StripeCustomerId).HasMaxLength(Limits.ExternalIdLength);
        builder.Property(a => a.StripeSubscriptionId).HasMaxLength(Limits.ExternalIdLength);
        builder.Property(a => a.AwsCustomerIdentifier).HasMaxLength(Limits.ExternalIdLength);
        builder.Property(a => a.AwsLicenseArn).HasMaxLength(Limits.ArnLength);
        builder.Property(a => a.AwsSubscriptionStatus).HasMaxLength(Limits.ExternalIdLength);

        builder.HasMany(a => a.Apps).WithOne().HasForeignKey(app => app.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
