using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Deployment;

/// <summary>
/// <c>scripts/cluster</c> as an operator runs it: two replicas of the published service behind the gateway, and the
/// Prometheus it starts answering PromQL about them.
/// </summary>
public sealed class ClusterTests(PublishedService published) : IClassFixture<PublishedService>
{
    private const string RequestRate =
        "sum by (instance) (rate(http_server_request_duration_seconds_count{job=\"accountservice\",http_route=\"/v1/accounts/me\"}[5s]))";

    [Fact]
    public async Task PrometheusAnswersTheRequestRateOfEachReplicaBehindTheGateway()
    {
        // The demo account sends every request: its budget must not end the traffic before Prometheus has seen it.
        var settings = new Dictionary<string, string> { ["RateLimits__PerAccountPerMinute"] = "100000" };
        await using var cluster = await ClusterScript.UpAsync(published.Directory, replicas: 2, scrapeInterval: "1s", settings);
        using var gateway = cluster.GatewayClient();
        using var prometheus = new HttpClient { BaseAddress = cluster.Prometheus };

        // Traffic through the gateway until a query shows both replicas serving it; rate() needs two scrapes that
        // saw requests, so this takes a few seconds at a 1 s scrape interval.
        var rates = new Dictionary<string, double>();
        await Signals.WaitUntilAsync(
            async () =>
            {
                for (var i = 0; i < 10; i++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/accounts/me");
                    request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {cluster.DemoKey}");
                    using var response = await gateway.SendAsync(request);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Assert.Fail($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{cluster.LogTails()}");
                    }
                }

                rates = await QueryAsync(prometheus, RequestRate);
                return rates.Count == 2 && rates.Values.All(rate => rate > 0);
            },
            TimeSpan.FromSeconds(45),
            "Prometheus shows both replicas' request rates",
            () => string.Join(", ", rates));

        Assert.Equal(cluster.MetricsInstances.Order().ToList(), rates.Keys.Order().ToList());
    }

    // An instant query's vector, by instance.
    private static async Task<Dictionary<string, double>> QueryAsync(HttpClient prometheus, string query)
    {
        var body = JsonNode.Parse(await prometheus.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}"))!;
        Assert.Equal("success", body["status"]!.GetValue<string>());
        return body["data"]!["result"]!.AsArray().ToDictionary(
            sample => sample!["metric"]!["instance"]!.GetValue<string>(),
            sample => double.Parse(sample!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture));
    }
}
