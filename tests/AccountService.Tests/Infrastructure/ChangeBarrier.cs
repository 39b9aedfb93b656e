using AccountService.Callers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// Makes a test's own writes visible to its next request: before each request, while the app's change listener is
/// connected, one NOTIFY is sent after everything the test committed and the request waits until the listener has
/// applied it. PostgreSQL delivers notifications in commit order, so every earlier change has been applied too. Tests
/// of how fast changes arrive turn this off.
/// </summary>
internal sealed class ChangeBarrier(string connectionString) : IStartupFilter
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var cache = app.ApplicationServices.GetRequiredService<CallerCache>();
        var notifications = app.ApplicationServices.GetRequiredService<ChangeNotifications>();
        app.Use(async (context, nextMiddleware) =>
        {
            // Health probes read no caller data; tests count what they cost the database.
            if (!context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
            {
                await PassAsync(cache, notifications, connectionString);
            }

            await nextMiddleware(context);
        });
        next(app);
    };

    public static async Task PassAsync(CallerCache cache, ChangeNotifications notifications, string connectionString)
    {
        if (!cache.IsListening)
        {
            return;
        }

        var token = "barrier:" + Guid.NewGuid().ToString("N");
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnInvalidated(string name)
        {
            if (name == token)
            {
                applied.TrySetResult();
            }
        }

        notifications.Applied += OnInvalidated;
        try
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await using var notify = new NpgsqlCommand($"NOTIFY {ChangeNotifications.Channel}, '{token}'", connection);
                await notify.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                // A test that took the database away: the app finds out for itself, and memory is not trusted then.
                return;
            }

            await applied.Task.WaitAsync(Limit);
        }
        finally
        {
            notifications.Applied -= OnInvalidated;
        }
    }
}
