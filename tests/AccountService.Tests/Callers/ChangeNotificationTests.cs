using System.Text.RegularExpressions;
using AccountService.Callers;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AccountService.Tests.Callers;

/// <summary>The triggers the migrations install and the notifications the service acts on are one list.</summary>
public sealed partial class ChangeNotificationTests(PostgresFixture database) : IntegrationTest(database)
{
    [Fact]
    public async Task EveryPayloadTheTriggersSendHasAHandlerAndEveryHandlerATrigger()
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var channels = new HashSet<string>(StringComparer.Ordinal);
        await using (var connection = new NpgsqlConnection(Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT prosrc FROM pg_proc WHERE prosrc LIKE '%pg_notify%' AND pronamespace = 'public'::regnamespace", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                foreach (Match notify in Notify().Matches(reader.GetString(0)))
                {
                    channels.Add(notify.Groups["channel"].Value);
                    sent.Add(notify.Groups["payload"].Value);
                }
            }
        }

        await using var factory = new AccountApiFactory(Database.ConnectionString);
        var handled = factory.Services.GetRequiredService<ChangeNotifications>().Prefixes.Append(ChangeNotifications.Everything);

        Assert.Equal([ChangeNotifications.Channel], channels);
        Assert.Equal(sent.Order(StringComparer.Ordinal), handled.Order(StringComparer.Ordinal));
    }

    // pg_notify('channel', 'prefix' || …) or pg_notify('channel', '*'): the literal the payload starts with.
    [GeneratedRegex(@"pg_notify\(\s*'(?<channel>[^']*)'\s*,\s*'(?<payload>[^']*)'")]
    private static partial Regex Notify();
}
