using System.Text.Json.Nodes;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Deployment;

/// <summary>
/// deploy/prometheus/alerts.yml as Prometheus reads it: `promtool check rules` accepts it and `promtool test rules`
/// runs each alert's unit tests (alerts.test.yml). promtool is Debian's prometheus package, which .ci/run installs.
/// </summary>
public sealed class AlertRulesTests
{
    private static readonly string Directory = Path.Combine(RepositoryRoot.Path, "deploy", "prometheus");

    [Fact]
    public async Task TheRulesAreValid() => await PromtoolAsync("check", "rules", "alerts.yml");

    [Fact]
    public async Task EachAlertFiresOnlyOnWhatItIsFor() => await PromtoolAsync("test", "rules", "alerts.test.yml");

    [Fact]
    public async Task ComposePrometheusConfigurationIsValid() => await PromtoolAsync("check", "config", "prometheus.yml");

    [Fact]
    public void TheDashboardQueriesTheServicesJob()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "grafana", "accountservice.json")))!;
        var queries = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray()).Select(t => t!["expr"]!.GetValue<string>()).ToList();

        Assert.True(queries.Count >= 10, $"{queries.Count} queries");
        Assert.All(queries, q => Assert.Contains("job=\"accountservice\"", q, StringComparison.Ordinal));
    }

    private static async Task PromtoolAsync(params string[] args)
    {
        const string promtool = "/usr/bin/promtool";
        Assert.True(File.Exists(promtool), $"{promtool} is missing: install Debian's prometheus package (.ci/run does)");
        var result = await ProcessRunner.RunAsync(promtool, args, workingDirectory: Directory);
        Assert.True(result.ExitCode == 0, $"promtool {string.Join(' ', args)} failed:\n{result.Output}");
    }
}
