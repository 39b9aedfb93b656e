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
/// <remarks>
/// This is the one test-only step in the app's pipeline. Why what the tests see is still production's behaviour:
/// <list type="bullet">
/// <item>It only waits; it changes nothing the app does. Its payload (<c>barrier:…</c>) matches none of
/// <see cref="ChangeNotifications.Prefixes"/>, so <see cref="ChangeNotifications.Apply"/> drops nothing for it; it is
/// only counted in <c>accountservice_change_notifications_total</c>, which <c>MetricsTests</c> therefore checks as "at
/// least one". The request then runs the unchanged pipeline, from the first middleware of <c>Program</c> on.</item>
/// <item>What it waits for happens in production too, a few milliseconds later: a change committed by the CLI, by
/// SQL or by another replica reaches this replica's memory when its notification is applied, through the same listener
/// and handlers. Without the barrier a test that writes and then asks at once would race that delivery, and pass or
/// fail by the machine's load. With it, the test sees the state production settles in.</item>
/// <item>The window it hides (a request answered from memory before the change arrived) is tested on its own,
/// without the barrier (<c>seeOwnWrites: false</c>): <c>CallerCacheTests</c> bound it (a revocation by SQL refused
/// within 100 ms, within a second after every backend was terminated, stale-if-error while the database is down),
/// <c>ChangeNotificationTests</c> and <c>FailoverTests</c> cover the listener's loss and return.</item>
/// <item>While the listener is down it does nothing (the app reads the database then, as in production), and
/// <c>/health</c> probes skip it, so tests that count what a probe costs the database count the app's own work.</item>
/// </list>
/// </remarks>
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
