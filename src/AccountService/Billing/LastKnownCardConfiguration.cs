using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccountService.Billing;

internal sealed class LastKnownCardConfiguration : IEntityTypeConfiguration<LastKnownCard>
{
    public void Configure(EntityTypeBuilder<LastKnownCard> builder)
    {
        // Either a whole card or none at all.
        builder.ToTable("last_known_cards", table => table.HasCheckConstraint(
            "ck_last_known_cards_whole_card",
            "num_nulls(payment_method_id, brand, last4, exp_month, exp_year) IN (0, 5)"));

        builder.HasKey(c => c.StripeCustomerId);
        builder.Property(c => c.StripeCustomerId).HasMaxLength(Limits.ExternalIdLength);
        builder.Property(c => c.PaymentMethodId).HasMaxLength(Limits.ExternalIdLength);
        builder.Property(c => c.Brand).HasMaxLength(32);
        builder.Property(c => c.Last4).HasMaxLength(4);
        builder.Property(c => c.UpdatedAt).HasDefaultValueSql("now()");
    }
}
