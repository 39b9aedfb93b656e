using AccountService.Configuration;
using AccountService.Data;
using AccountService.Health;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

internal static class DataExtensions
{
    /// <summary>
    /// The requests' connection pool (one <see cref="NpgsqlDataSource"/>, logging through the host), EF Core on it with
    /// pooled contexts, and the database readiness check. Caller resolution reads through the same pool without EF.
    /// </summary>
    public static IHostApplicationBuilder AddAccountData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>()
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName))
            .ValidateSelfOnStart();

        builder.Services.AddSingleton(services =>
            new NpgsqlDataSourceBuilder(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.EffectiveConnectionString)
                .UseLoggerFactory(services.GetRequiredService<ILoggerFactory>())
                .Build());
        builder.Services.AddDbContextPool<AccountDbContext>((services, options) =>
            options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>()).UseAccountConventions());

        builder.Services.AddHealthChecks().AddDatabaseReadiness();
        return builder;
    }
}
