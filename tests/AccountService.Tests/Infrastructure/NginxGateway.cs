using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// Debian's nginx as the gateway in front of some replicas, from the same template docker-compose.yml and
/// scripts/cluster render (deploy/gateway/gateway.conf.template), on a free loopback port with a test certificate.
/// <c>.ci/run</c> installs the package.
/// </summary>
internal sealed class NginxGateway : IAsyncDisposable
{
    /// <summary>What each upstream server line carries, as docker-compose.yml and scripts/cluster write it.</summary>
    public const string ServerParameters = "max_fails=1 fail_timeout=1s";

    private const string Binary = "/usr/sbin/nginx";
    private readonly string _dir;

    private NginxGateway(string dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{Port}");

    public static async Task<NginxGateway> StartAsync(X509Certificate2 certificate, IEnumerable<Uri> replicas)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: install Debian's nginx package (.ci/run does)");
        var dir = Directory.CreateTempSubdirectory("accounts-gateway-").FullName;
        var gateway = new NginxGateway(dir, PostgresServer.FreeLoopbackPort());
        var cert = Path.Combine(dir, "cert.pem");
        var key = Path.Combine(dir, "key.pem");
        await File.WriteAllTextAsync(cert, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(key, (certificate.GetECDsaPrivateKey() as AsymmetricAlgorithm ?? certificate.GetRSAPrivateKey()!).ExportPkcs8PrivateKeyPem());

        var upstreams = new StringBuilder();
        foreach (var replica in replicas)
        {
            upstreams.Append(System.Globalization.CultureInfo.InvariantCulture, $"    server {replica.Host}:{replica.Port} {ServerParameters};\n");
        }

        var template = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "deploy", "gateway", "gateway.conf.template"));
        var server = template
            .Replace("${API_UPSTREAM_SERVERS}", upstreams.ToString(), StringComparison.Ordinal)
            .Replace("${GATEWAY_LISTEN}", $"127.0.0.1:{gateway.Port}", StringComparison.Ordinal)
            .Replace("${GATEWAY_TLS_CERT}", cert, StringComparison.Ordinal)
            .Replace("${GATEWAY_TLS_KEY}", key, StringComparison.Ordinal);
        Assert.DoesNotContain("${", server, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(dir, "gateway.conf"), server);
        await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), $$"""
            worker_processes 1;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{dir}}/body;
                proxy_temp_path {{dir}}/proxy;
                fastcgi_temp_path {{dir}}/fastcgi;
                uwsgi_temp_path {{dir}}/uwsgi;
                scgi_temp_path {{dir}}/scgi;
                include {{dir}}/gateway.conf;
            }
            """);

        var started = await ProcessRunner.RunAsync(Binary, ["-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-e", Path.Combine(dir, "error.log")], timeout: TimeSpan.FromSeconds(30));
        Assert.True(started.ExitCode == 0, $"nginx did not start: {started.Output}");
        return gateway;
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync(Binary, ["-p", _dir, "-c", Path.Combine(_dir, "nginx.conf"), "-s", "stop"], timeout: TimeSpan.FromSeconds(30));
        var pid = Path.Combine(_dir, "nginx.pid");
        await Signals.HoldsWithinAsync(() => Task.FromResult(!File.Exists(pid)), TimeSpan.FromSeconds(5));

        Directory.Delete(_dir, recursive: true);
    }
}
