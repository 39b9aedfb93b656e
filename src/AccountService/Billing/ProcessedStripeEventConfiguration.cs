using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccountService.Billing;

internal sealed class ProcessedStripeEventConfiguration : IEntityTypeConfiguration<ProcessedStripeEvent>
{
    public void Configure(EntityTypeBuilder<ProcessedStripeEvent> builder)
    {
        builder.ToTable("processed_stripe_events");

        // The event id is the key: a second insert of the same event does nothing (ON CONFLICT DO NOTHING).
        builder.HasKey(e => e.EventId);
        builder.Property(e => e.EventId).HasMaxLength(Limits.ExternalIdLength);
        builder.Property(e => e.Type).HasMaxLength(128);
        builder.Property(e => e.ProcessedAt).HasDefaultValueSql("now()");

        // The purge deletes by age.
        builder.HasIndex(e => e.ProcessedAt);
    }
}
