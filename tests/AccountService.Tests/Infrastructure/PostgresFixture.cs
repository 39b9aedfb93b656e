using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Respawn;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL per test run with one database migrated once; <see cref="ResetAsync"/> empties every table
/// (keeping the migrations history) so each test starts from nothing.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private Respawner? _respawner;

    public string ConnectionString { get; private set; } = "";

    internal PostgresServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.StartAnyAsync();
        ConnectionString = await CreateDatabaseAsync("accounts_test");

        await using (var db = CreateDbContext())
        {
            await db.Database.MigrateAsync();
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        _respawner = await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["public"],
            TablesToIgnore = ["__EFMigrationsHistory"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await _respawner!.ResetAsync(connection);
    }

    /// <summary>A new, empty database on the same server; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(Server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = name }.ConnectionString;
    }

    internal AccountDbContext CreateDbContext(string? connectionString = null)
    {
        var options = new DbContextOptionsBuilder<AccountDbContext>();
        options.UseAccountDatabase(connectionString ?? ConnectionString);
        return new AccountDbContext(options.Options);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresTests : ICollectionFixture<PostgresFixture>
{
    /// <summary>Tests that share the run's database run one at a time.</summary>
    public const string Name = "postgres";
}
