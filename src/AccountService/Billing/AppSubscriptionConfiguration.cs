using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccountService.Billing;

internal sealed class AppSubscriptionConfiguration : IEntityTypeConfiguration<AppSubscription>
{
    public void Configure(EntityTypeBuilder<AppSubscription> builder)
    {
        builder.ToTable("app_subscriptions", table =>
        {
            table.HasCheckConstraint("ck_app_subscriptions_plan_type", StoredNames.PlanType.CheckSql("plan_type"));
            table.HasCheckConstraint("ck_app_subscriptions_status", StoredNames.SubscriptionStatus.CheckSql("status"));
        });

        // One seat per app: the app id is the key.
        builder.HasKey(s => s.AppId);
        builder.Property(s => s.AppId).HasMaxLength(Limits.IdLength);
        builder.Property(s => s.PlanType).HasConversion(StoredNames.PlanType.Converter).HasMaxLength(16);
        builder.Property(s => s.Status).HasConversion(StoredNames.SubscriptionStatus.Converter).HasMaxLength(16);
        builder.Property(s => s.StripeSubscriptionId).HasMaxLength(Limits.ExternalIdLength);
        builder.Property(s => s.UpdatedAt).HasDefaultValueSql("now()");

        // Stripe's webhooks and `stripe sync` find seats by their subscription.
        builder.HasIndex(s => s.StripeSubscriptionId);
    }
}
