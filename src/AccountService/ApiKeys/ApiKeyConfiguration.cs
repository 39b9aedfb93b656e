using AccountService.Accounts;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccountService.ApiKeys;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_keys", table =>
            table.HasCheckConstraint("ck_api_keys_secret_hash_length", "octet_length(secret_hash) = 32"));

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
