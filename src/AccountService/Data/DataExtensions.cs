using AccountService.Configuration;
using AccountService.Health;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AccountService.Data;

internal static class DataExtensions
{
    /// <summary>EF Core on PostgreSQL (pooled contexts) and the database readiness check.</summary>
    public static IHostApplicationBuilder AddAccountData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>()
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName))
            .ValidateSelfOnStart();

        builder.Services.AddDbContextPool<AccountDbContext>((services, options) =>
            options.UseAccountDatabase(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.EffectiveConnectionString));

        builder.Services.AddHealthChecks().AddDatabaseReadiness();
        return builder;
    }

    public static DbContextOptionsBuilder UseAccountDatabase(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString).UseSnakeCaseNamingConvention().AddInterceptors(BrokenConnections.Instance);
}
