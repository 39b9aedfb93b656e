using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AccountService.Callers;
using AccountService.Tests.Auth;
using AccountService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AccountService.Tests.Callers;

/// <summary>
/// The triggers the migrations install and the notifications the service acts on are one list, and what the service
/// drops when it may have missed some.
/// </summary>
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

    [Fact]
    public async Task CardsCachedBeforeTheListenerWasLostAreDroppedWhenItIsBack()
    {
        await using var stripe = await StripeStub.StartAsync();
        await using var factory = await CardCachingAppAsync(stripe);
        using var client = factory.CreateClient();
        var warmed = (await CardIdAsync(client), await CardIdAsync(client), stripe.CallsFor("cus_card"));

        // The card changes while the listener is away, and nothing tells the service.
        stripe.Customer("cus_card").DefaultCard = Mastercard;
        var connections = ListenerConnections(factory);
        await ExecuteAsync(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'accountservice-listener'");
        await Signals.WaitUntilAsync(() => ListenerConnections(factory) > connections, TimeSpan.FromSeconds(10), "the change listener is connected again");
        var afterReconnect = await CardIdAsync(client);

        Assert.Equal(("pm_visa", "pm_visa", 1), warmed);
        Assert.Equal("pm_mc", afterReconnect);
        Assert.Equal(2, stripe.CallsFor("cus_card"));
    }

    [Fact]
    public async Task ATruncateOfTheLastKnownCardsDropsCachedCards()
    {
        await using var stripe = await StripeStub.StartAsync();
        await using var factory = await CardCachingAppAsync(stripe);
        using var client = factory.CreateClient();
        var warmed = (await CardIdAsync(client), await CardIdAsync(client), stripe.CallsFor("cus_card"));

        stripe.Customer("cus_card").DefaultCard = Mastercard;
        using var watch = new ChangeWatch(factory.Notifications, ChangeNotifications.Everything);
        await ExecuteAsync("TRUNCATE last_known_cards");
        await watch.LagAfterAsync(Stopwatch.GetTimestamp());
        var afterTruncate = await CardIdAsync(client);

        Assert.Equal(("pm_visa", "pm_visa", 1), warmed);
        Assert.Equal("pm_mc", afterTruncate);
        Assert.Equal(2, stripe.CallsFor("cus_card"));
    }

    private static readonly StubCard Mastercard = new("pm_mc", "mastercard", "4444", 1, 2030);

    /// <summary>An app that keeps acc_card's card (cus_card, a Visa at the stand-in) for five minutes, its listener connected.</summary>
    private async Task<AccountApiFactory> CardCachingAppAsync(StripeStub stripe)
    {
        await SeedAccountAsync("acc_card", a => a.StripeCustomerId = "cus_card");
        stripe.Customer("cus_card").DefaultCard = new StubCard("pm_visa", "visa", "4242", 12, 2027);
        var settings = stripe.Settings();
        settings["Stripe:CardCacheTtl"] = "00:05:00";
        var factory = new AccountApiFactory(Database.ConnectionString, settings);
        await factory.ListeningAsync();
        return factory;
    }

    private static int ListenerConnections(AccountApiFactory factory) =>
        factory.Logs.Count(line => line.Contains("Listening for account changes", StringComparison.Ordinal));

    private static async Task<string?> CardIdAsync(HttpClient client)
    {
        using var response = await client.SendAsync(AuthenticationTests.Request($"Bearer {TestAuth.Jwt("acc_card")}", "/api/account"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!["paymentMethod"]?["id"]?.GetValue<string>();
    }

    // pg_notify('channel', 'prefix' || …) or pg_notify('channel', '*'): the literal the payload starts with.
    [GeneratedRegex(@"pg_notify\(\s*'(?<channel>[^']*)'\s*,\s*'(?<payload>[^']*)'")]
    private static partial Regex Notify();
}
