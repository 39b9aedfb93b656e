using System.Reflection;
using AccountService.ApiKeys;
using AccountService.Auth;
using AccountService.Billing;
using AccountService.Data;
using AccountService.Errors;
using AccountService.OpenApi;
using AccountService.RateLimiting;
using AccountService.Server;
using AccountService.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace AccountService.Tests.Deployment;

/// <summary>
/// docker-compose.yml as Compose itself reads it (`docker-compose config`, Debian's package): the stack's wiring, and
/// that every setting it passes to the service is one the service reads.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly Lazy<Task<YamlMappingNode>> Resolved = new(LoadAsync);

    [Fact]
    public async Task ComposeParsesTheFile()
    {
        var services = await ServicesAsync();

        Assert.Equal(
            ["api", "gateway", "gateway-tls", "grafana", "migrate", "postgres", "prometheus", "redis", "seed", "stripe-mock"],
            services.Children.Keys.Select(k => k.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PrometheusGetsTheRulesAndGrafanaTheDashboard()
    {
        var services = await ServicesAsync();

        Assert.Contains(((YamlSequenceNode)Service(services, "prometheus")["volumes"]).Children, v => v.ToString().EndsWith("deploy/prometheus:/etc/prometheus:ro", StringComparison.Ordinal));
        Assert.Contains(((YamlSequenceNode)Service(services, "grafana")["volumes"]).Children, v => v.ToString().EndsWith("deploy/grafana/accountservice.json:/var/lib/grafana/dashboards/accountservice.json:ro", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PostgresHasAHealthCheckAndANamedVolume()
    {
        var postgres = Service(await ServicesAsync(), "postgres");

        Assert.Contains("pg_isready", Node(postgres, "healthcheck", "test").ToString(), StringComparison.Ordinal);
        Assert.Contains(((YamlSequenceNode)postgres["volumes"]).Children, v => v.ToString().StartsWith("pgdata:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MigrationsRunOnceTheDatabaseIsHealthyAndTheApiStartsAfterThem()
    {
        var services = await ServicesAsync();
        var migrate = Service(services, "migrate");
        var api = Service(services, "api");

        Assert.Equal(["migrate"], ((YamlSequenceNode)migrate["command"]).Children.Select(c => c.ToString()));
        Assert.Equal("service_healthy", Node(migrate, "depends_on", "postgres", "condition").ToString());
        Assert.Equal("service_completed_successfully", Node(api, "depends_on", "migrate", "condition").ToString());
        Assert.Contains("probe", Node(api, "healthcheck", "test").ToString(), StringComparison.Ordinal);
        Assert.Equal("http://stripe-mock:12111", Node(api, "environment", "Stripe__ApiBase").ToString());
        Assert.All(new[] { migrate, api, Service(services, "seed") }, s => Assert.Equal("accountservice:local", s["image"].ToString()));
    }

    [Fact]
    public async Task TwoReplicasShareRedisBehindTheGatewayWhoseForwardedHeadersAloneAreBelieved()
    {
        var services = await ServicesAsync();
        var api = Service(services, "api");
        var gateway = Service(services, "gateway");

        Assert.True(int.Parse(Node(api, "deploy", "replicas").ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 2);
        Assert.False(api.Children.ContainsKey("ports"), "replicas cannot share a host port: the gateway is the way in");
        Assert.Equal("redis:6379", Node(api, "environment", "ConnectionStrings__Redis").ToString());
        Assert.Equal("service_healthy", Node(api, "depends_on", "redis", "condition").ToString());
        Assert.Equal(
            Node(gateway, "networks", "default", "ipv4_address").ToString(),
            Node(api, "environment", "ForwardedHeaders__KnownProxies__0").ToString());
        Assert.Contains(
            ((YamlSequenceNode)gateway["volumes"]).Children,
            v => v.ToString().Contains("deploy/gateway/gateway.conf.template:/etc/nginx/templates/", StringComparison.Ordinal));
        Assert.Contains("server api:8080", Node(gateway, "environment", "API_UPSTREAM_SERVERS").ToString(), StringComparison.Ordinal);
        Assert.Equal("service_healthy", Node(gateway, "depends_on", "api", "condition").ToString());
        Assert.Contains(((YamlSequenceNode)gateway["ports"]).Children, p => p.ToString().StartsWith("127.0.0.1:8443:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheReplicasGetOneValidKeyRingKey()
    {
        var api = Service(await ServicesAsync(), "api");

        // One environment for every replica of the service: they share the key ring in PostgreSQL, so they need one key.
        var key = Node(api, "environment", "DataProtection__KeyRingKey").ToString();
        Assert.Equal(32, Convert.FromBase64String(key).Length);
    }

    [Fact]
    public async Task EverySettingPassedToTheServiceIsOneItReads()
    {
        var services = await ServicesAsync();
        var known = KnownSettings();

        foreach (var name in new[] { "migrate", "seed", "api" })
        {
            var environment = (YamlMappingNode)Service(services, name)["environment"];
            foreach (var variable in environment.Children.Keys.Select(k => k.ToString()))
            {
                // A list item (Section__List__0) is the list's setting.
                var key = System.Text.RegularExpressions.Regex.Replace(variable.Replace("__", ":", StringComparison.Ordinal), ":[0-9]+$", "");
                Assert.True(
                    known.Contains(key) || FrameworkPrefixes.Any(p => variable.StartsWith(p, StringComparison.Ordinal)),
                    $"{name}: {variable} is not a setting the service reads");
            }
        }
    }

    private static readonly string[] FrameworkPrefixes = ["ASPNETCORE_", "DOTNET_", "OTEL_", "Logging__", "Kestrel__"];

    // Every option the service binds: section:property, from the options classes themselves.
    private static HashSet<string> KnownSettings()
    {
        var known = new HashSet<string>(StringComparer.Ordinal)
        {
            DatabaseOptions.ConfigurationKey,
            $"ConnectionStrings:{AccountService.Redis.RedisOptions.ConnectionStringName}",
            AccountService.Telemetry.MetricsListener.UrlSetting,
        };
        (Type Type, string Section)[] options =
        [
            (typeof(StripeOptions), StripeOptions.Section),
            (typeof(JwtOptions), JwtOptions.Section),
            (typeof(ApiKeyOptions), ApiKeyOptions.Section),
            (typeof(AccountService.ApiKeys.KeyRingOptions), AccountService.ApiKeys.KeyRingOptions.Section),
            (typeof(RateLimitOptions), RateLimitOptions.Section),
            (typeof(TrustedProxyOptions), TrustedProxyOptions.Section),
            (typeof(ServerOptions), ServerOptions.Section),
            (typeof(ErrorOptions), ErrorOptions.Section),
            (typeof(ApiDocsOptions), ApiDocsOptions.Section),
            (typeof(AccountService.Callers.CacheOptions), AccountService.Callers.CacheOptions.Section),
            (typeof(ValidatedJwtOptions), ValidatedJwtOptions.Section),
        ];
        foreach (var (type, section) in options)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                known.Add($"{section}:{property.Name}");
            }
        }

        return known;
    }

    private static async Task<YamlMappingNode> ServicesAsync() => (YamlMappingNode)(await Resolved.Value)["services"];

    private static YamlMappingNode Service(YamlMappingNode services, string name) => (YamlMappingNode)services[name];

    private static YamlNode Node(YamlMappingNode root, params string[] path) =>
        path.Aggregate((YamlNode)root, (node, key) => ((YamlMappingNode)node)[key]);

    private static async Task<YamlMappingNode> LoadAsync()
    {
        var file = Path.Combine(RepositoryRoot.Path, "docker-compose.yml");
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync("docker-compose", ["-f", file, "config"]);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("docker-compose is not installed (Debian package docker-compose; .ci/run installs it).");
        }

        Assert.True(result.ExitCode == 0, $"docker-compose config failed:\n{result.Output}");
        var stream = new YamlStream();
        stream.Load(new StringReader(result.Stdout));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
