using AccountService.Configuration;

namespace AccountService.Redis;

internal static class RedisExtensions
{
    /// <summary>The optional shared Redis (<c>ConnectionStrings:Redis</c>): one budget per account across replicas.</summary>
    public static IHostApplicationBuilder AddSharedRedis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RedisOptions>()
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString = configuration.GetConnectionString(RedisOptions.ConnectionStringName))
            .ValidateSelfOnStart();
        builder.Services.AddSingleton<SharedRedis>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SharedRedis>());
        return builder;
    }
}
