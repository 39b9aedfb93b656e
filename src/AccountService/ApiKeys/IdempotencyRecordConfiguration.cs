using AccountService.Accounts;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccountService.ApiKeys;

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_records", table =>
            table.HasCheckConstraint("ck_idempotency_records_request_hash_length", "octet_length(request_hash) = 32"));

        // Keys are scoped to the account: two accounts may use the same one. The key also claims the request: the
        // first transaction to insert it makes the answer, later ones wait for it and replay it.
        builder.HasKey(r => new { r.AccountId, r.IdempotencyKey });
        builder.Property(r => r.AccountId).HasMaxLength(Limits.IdLength);
        builder.Property(r => r.IdempotencyKey).HasMaxLength(IdempotencyStore.KeyMaxLength);
        builder.Property(r => r.Location).HasMaxLength(Limits.ExternalIdLength);

        // The purge deletes by age.
        builder.HasIndex(r => r.CreatedAt);

        builder.HasOne<Account>().WithMany().HasForeignKey(r => r.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
