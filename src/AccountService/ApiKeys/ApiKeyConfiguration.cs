using AccountService.Accounts;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccountService.ApiKeys;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    /// <summary>The percentage of each <c>api_keys</c> page new rows may fill.</summary>
    public const int KeyPageFillFactor = 70;

    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_keys", table =>
            table.HasCheckConstraint("ck_api_keys_secret_hash_length", "octet_length(secret_hash) = 32"));

        // last_used_at is rewritten all day (KeyUsageRecorder). Room left on each page lets PostgreSQL write the new
        // row version beside the old one (a HOT update), so neither index is touched and pages prune themselves.
        builder.HasStorageParameter("fillfactor", KeyPageFillFactor);

        // Authentication finds a key by its id: the primary key is that lookup.
        builder.HasKey(k => k.KeyId);
        builder.Property(k => k.KeyId).HasMaxLength(ApiKeyCredential.KeyIdLength).IsFixedLength();
        builder.Property(k => k.AccountId).HasMaxLength(Limits.IdLength);
        builder.Property(k => k.Name).HasMaxLength(Limits.NameLength);
        builder.Property(k => k.CreatedAt).HasDefaultValueSql("now()");

        // Listing and counting an account's keys (the 10-active-keys limit).
        builder.HasIndex(k => k.AccountId);

        // A key belongs to one account and goes with it.
        builder.HasOne<Account>().WithMany().HasForeignKey(k => k.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
