using System.Net;
using System.Net.Sockets;
using Testcontainers.PostgreSql;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server a test run uses: <c>ACCOUNTS_TEST_DB</c> when set; else a container when a Docker engine
/// answers; else a throwaway cluster from the local PostgreSQL binaries (<c>scripts/pg-local</c>).
/// </summary>
internal abstract class PostgresServer : IAsyncDisposable
{
    /// <summary>Connection string of the server's maintenance database (rights to create databases).</summary>
    public abstract string ConnectionString { get; }

    public abstract string Description { get; }

    public abstract ValueTask DisposeAsync();

    public static async Task<PostgresServer> StartAnyAsync()
    {
        if (Environment.GetEnvironmentVariable("ACCOUNTS_TEST_DB") is { Length: > 0 } external)
        {
            return new External(external);
        }

        if (DockerMayAnswer())
        {
            try
            {
                return await Container.LaunchAsync();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                await Console.Error.WriteLineAsync($"Docker did not start PostgreSQL ({ex.GetType().Name}); using local binaries.");
            }
        }

        return await LocalCluster.LaunchAsync();
    }

    private static bool DockerMayAnswer() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } || File.Exists("/var/run/docker.sock");

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class External(string connectionString) : PostgresServer
    {
        public override string ConnectionString => connectionString;

        public override string Description => "ACCOUNTS_TEST_DB";

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Container(PostgreSqlContainer container) : PostgresServer
    {
        public override string ConnectionString => container.GetConnectionString();

        public override string Description => "Testcontainers postgres:15-alpine";

        public override ValueTask DisposeAsync() => container.DisposeAsync();

        public static async Task<PostgresServer> LaunchAsync()
        {
            var container = new PostgreSqlBuilder("postgres:15-alpine").Build();
            await container.StartAsync();
            return new Container(container);
        }
    }

    private sealed class LocalCluster(string directory, string connectionString) : PostgresServer
    {
        public override string ConnectionString => connectionString;

        public override string Description => $"local cluster in {directory}";

        public override async ValueTask DisposeAsync() => await PgLocalAsync("destroy", directory);

        public static async Task<PostgresServer> LaunchAsync()
        {
            // Under /tmp so that an unprivileged server user can reach it when the tests run as root.
            var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"accounts-test-pg-{Guid.NewGuid():N}");
            var connectionString = await PgLocalAsync("start", directory);
            return new LocalCluster(directory, connectionString);
        }

        private static async Task<string> PgLocalAsync(string verb, params string[] args)
        {
            var script = System.IO.Path.Combine(RepositoryRoot.Path, "scripts", "pg-local");
            var result = await ProcessRunner.RunAsync("bash", [script, verb, .. args], new Dictionary<string, string> { ["PG_LOCAL_FAST"] = "1" });
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"scripts/pg-local {verb} failed ({result.ExitCode}): {result.Stderr}");
            }

            return result.Stdout.Trim();
        }
    }
}
