namespace AccountService.Configuration;

internal static partial class StartupWarnings
{
    /// <summary>
    /// Logs <paramref name="message"/> once at start when <paramref name="applies"/> holds: for settings that are valid
    /// but leave a feature off (no JWT key source, no Stripe key), which the operator should hear about.
    /// </summary>
    public static IServiceCollection AddStartupWarning(this IServiceCollection services, Func<IServiceProvider, bool> applies, string message) =>
        services.AddSingleton<IHostedService>(provider => new Warning(provider, applies, message));

    private sealed partial class Warning(IServiceProvider provider, Func<IServiceProvider, bool> applies, string message) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (applies(provider))
            {
                Log(provider.GetRequiredService<ILogger<Warning>>(), message);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "{Warning}")]
        private static partial void Log(ILogger logger, string warning);
    }
}
