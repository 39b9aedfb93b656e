using AccountService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccountService.Tests.Data;

public sealed class MigrationTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task MigrateVerbCreatesTheSchemaOnAnEmptyDatabaseAndIsIdempotent()
    {
        var empty = await Database.CreateDatabaseAsync("migrate_test");

        var first = await RunCliOnAsync(empty, "migrate");
        var second = await RunCliOnAsync(empty, "migrate");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("InitialSchema", first.Output, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("up to date", second.Output, StringComparison.Ordinal);
        var tables = await QueryStringsAsync(
            empty,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
        Assert.Equal(["__EFMigrationsHistory", "accounts", "api_keys", "app_subscriptions", "apps", "data_protection_keys", "idempotency_records", "last_known_cards", "processed_stripe_events"], tables);
    }

    [Fact]
    public async Task ModelHasNoChangesMissingFromTheMigrations()
    {
        await using var db = CreateDbContext();

        Assert.False(db.Database.HasPendingModelChanges());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Theory]
    [InlineData("INSERT INTO accounts (id, name, tier, status, billing_type) VALUES ('a', 'n', 'GOLD', 'ENABLED', 'STRIPE')", "ck_accounts_tier")]
    [InlineData("INSERT INTO accounts (id, name, tier, status, billing_type) VALUES ('a', 'n', 'PRO', 'ACTIVE', 'STRIPE')", "ck_accounts_status")]
    [InlineData("INSERT INTO accounts (id, name, tier, status, billing_type) VALUES ('a', 'n', 'PRO', 'ENABLED', 'PAYPAL')", "ck_accounts_billing_type")]
    [InlineData("INSERT INTO accounts (id, name, tier, status, billing_type) VALUES ('a', 'n', 'pro', 'ENABLED', 'STRIPE')", "ck_accounts_tier")]
    public async Task CheckConstraintsRejectUnknownEnumText(string sql, string constraint)
    {
        var ex = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.CheckViolation, ex.SqlState);
        Assert.Equal(constraint, ex.ConstraintName);
    }

    [Theory]
    [InlineData("monthly", "active", null)]
    [InlineData("weekly", "active", "ck_app_subscriptions_plan_type")]
    [InlineData("yearly", "trialing", "ck_app_subscriptions_status")]
    public async Task SeatEnumsAreCheckedToo(string plan, string status, string? violated)
    {
        await ExecuteAsync("INSERT INTO accounts (id, name, tier, status, billing_type) VALUES ('acc_1', 'n', 'PRO', 'ENABLED', 'STRIPE')");
        await ExecuteAsync("INSERT INTO apps (id, account_id, name) VALUES ('-Napp', 'acc_1', 'App')");
        var insert = $"INSERT INTO app_subscriptions (app_id, plan_type, status, cancel_at_period_end) VALUES ('-Napp', '{plan}', '{status}', false)";

        if (violated is null)
        {
            await ExecuteAsync(insert);
            Assert.Equal(["-Napp"], await QueryStringsAsync(Database.ConnectionString, "SELECT app_id FROM app_subscriptions"));
        }
        else
        {
            var ex = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(insert));
            Assert.Equal(violated, ex.ConstraintName);
        }
    }

    [Fact]
    public async Task EveryEndpointLookupHasAnIndex()
    {
        var indexes = await QueryStringsAsync(
            Database.ConnectionString,
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname");

        // Caller's key by key id, account by id, its apps in response order, each app's seat by app id.
        Assert.Contains(indexes, i => i.Contains("pk_api_keys ON public.api_keys USING btree (key_id)", StringComparison.Ordinal));
        Assert.Contains(indexes, i => i.Contains("pk_accounts ON public.accounts USING btree (id)", StringComparison.Ordinal));
        Assert.Contains(indexes, i => i.Contains("ix_apps_account_id_name_id ON public.apps USING btree (account_id, name COLLATE \"C\", id COLLATE \"C\")", StringComparison.Ordinal));
        Assert.Contains(indexes, i => i.Contains("pk_app_subscriptions ON public.app_subscriptions USING btree (app_id)", StringComparison.Ordinal));
        Assert.Contains(indexes, i => i.Contains("ix_api_keys_account_id ON public.api_keys USING btree (account_id)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAccountsAppsComeInByteOrderStraightFromTheIndexWithoutASort()
    {
        await ExecuteAsync("INSERT INTO accounts (id, name, tier, status, billing_type) VALUES ('acc_1', 'n', 'PRO', 'ENABLED', 'STRIPE')");
        await ExecuteAsync("INSERT INTO apps (id, account_id, name) VALUES ('-Nb', 'acc_1', 'Same'), ('-NB', 'acc_1', 'Same'), ('-Na', 'acc_1', 'alpha'), ('-NZ', 'acc_1', 'Zulu')");
        const string byteOrder = "SELECT id FROM apps WHERE account_id = 'acc_1' ORDER BY name COLLATE \"C\", id COLLATE \"C\"";

        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var noSeqScan = new NpgsqlCommand("SET LOCAL enable_seqscan = off", connection, transaction))
        {
            await noSeqScan.ExecuteNonQueryAsync();
        }

        var plan = new List<string>();
        await using (var explain = new NpgsqlCommand("EXPLAIN " + byteOrder, connection, transaction))
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        Assert.Contains(plan, line => line.Contains("ix_apps_account_id_name_id", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("Sort", StringComparison.Ordinal));
        Assert.Equal(["-NB", "-Nb", "-NZ", "-Na"], await QueryStringsAsync(Database.ConnectionString, byteOrder));
    }

    [Fact]
    public async Task WritingLastUsedAtLeavesTheKeyIndexesAloneOnFullPages()
    {
        // A thousand keys fill many pages; rewriting every key's last_used_at once, as the usage recorder does, should
        // find room beside most rows for their new versions (HOT updates), not only on the table's last page.
        await ExecuteAsync("INSERT INTO accounts (id, name, tier, status, billing_type) VALUES ('acc_1', 'n', 'PRO', 'ENABLED', 'STRIPE')");
        await ExecuteAsync("""
            INSERT INTO api_keys (key_id, account_id, name, secret_hash)
            SELECT lpad(n::text, 8, '0'), 'acc_1', 'key ' || n, sha256(n::text::bytea) FROM generate_series(1, 1000) AS n
            """);

        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var touch = new NpgsqlCommand("UPDATE api_keys SET last_used_at = now()", connection, transaction))
        {
            Assert.Equal(1000, await touch.ExecuteNonQueryAsync());
        }

        await using var hot = new NpgsqlCommand("SELECT pg_stat_get_xact_tuples_hot_updated('api_keys'::regclass)", connection, transaction);
        var hotUpdates = (long)(await hot.ExecuteScalarAsync())!;

        Assert.True(hotUpdates >= 250, $"{hotUpdates} of 1000 updates were HOT");
    }

    internal static async Task<List<string>> QueryStringsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
