using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AccountService.ApiKeys;
using AccountService.Callers;
using AccountService.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// The one way tests build the app: the real app over <paramref name="connectionString"/>, accepting JWTs signed by
/// <see cref="TestAuth"/>. Each option changes one thing: <paramref name="settings"/> are laid over the test defaults
/// (a null value removes a default), <paramref name="redis"/> shares rate limits and cards through that server,
/// <paramref name="clock"/> replaces the app's <see cref="TimeProvider"/>, <paramref name="services"/> replaces or
/// adds services last. <see cref="StartKestrel"/> puts it on a real Kestrel socket on loopback, for what the in-memory
/// server would not show (header bytes, several headers). Every log line is kept in <see cref="Logs"/>. The app starts
/// with its change listener connected (when the database answers), and with <paramref name="seeOwnWrites"/> each
/// request first waits for the changes committed before it (<see cref="ChangeBarrier"/>).
/// </summary>
internal sealed class AccountApiFactory(
    string connectionString,
    IReadOnlyDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? services = null,
    bool seeOwnWrites = true,
    TimeProvider? clock = null,
    RedisServer? redis = null)
    : WebApplicationFactory<Program>
{
    /// <summary>
    /// The run's <c>DataProtection:KeyRingKey</c>: every app gets it unless its settings name another (or null), so
    /// apps over the same database read one key ring, as replicas do.
    /// </summary>
    public static readonly string KeyRingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>
    /// Starts the app on a real Kestrel listener on 127.0.0.1 (HTTPS with HTTP/1.1 and HTTP/2 when a certificate is
    /// given); returns a client that sends header bytes as Latin-1 and trusts exactly that certificate.
    /// </summary>
    public HttpClient StartKestrel(X509Certificate2? certificate = null)
    {
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }
        }));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var handler = new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1 };
        if (certificate is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        }

        return new HttpClient(handler) { BaseAddress = new Uri(address) };
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting(DatabaseOptions.ConfigurationKey, connectionString);

        // Tests send many requests from one address; the rate-limit tests set their own limits.
        builder.UseSetting("RateLimits:PerAccountPerMinute", "1000000");
        builder.UseSetting("RateLimits:PerIpPerMinute", "1000000");

        // No metrics listener unless a test asks for one (MetricsTests): many apps run at once here.
        builder.UseSetting("Metrics:Url", "");
        builder.UseSetting(KeyRingOptions.KeySetting, KeyRingKey);
        foreach (var (key, value) in TestAuth.JwtSettings())
        {
            builder.UseSetting(key, value);
        }

        if (redis is not null)
        {
            builder.UseSetting("ConnectionStrings:Redis", redis.ConnectionString);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new CapturingLoggerProvider(Logs)));
        if (seeOwnWrites)
        {
            builder.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new ChangeBarrier(connectionString)));
        }

        if (clock is not null)
        {
            builder.ConfigureTestServices(s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        }

        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    /// <summary>The app's caller cache: whether it listens, what it holds.</summary>
    internal CallerCache Callers => Services.GetRequiredService<CallerCache>();

    /// <summary>The app's change notifications: tests watch them arrive.</summary>
    internal ChangeNotifications Notifications => Services.GetRequiredService<ChangeNotifications>();

    /// <summary>Waits (bounded) until every change committed before the call has reached the app's memory.</summary>
    internal Task SeenAllChangesAsync() => ChangeBarrier.PassAsync(Callers, Notifications, connectionString);

    /// <summary>Waits (bounded) until the app's change listener is connected, so known callers are served from memory.</summary>
    internal Task ListeningAsync() =>
        Signals.WaitUntilAsync(() => Callers.IsListening, TimeSpan.FromSeconds(10), "the change listener is connected");

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);

        // Known callers come from memory only once the listener is connected; without a database it never is.
        var cache = host.Services.GetRequiredService<CallerCache>();
        Signals.HoldsWithinAsync(() => Task.FromResult(cache.IsListening), TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        return host;
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, sink);

        public void Dispose()
        {
        }
    }

    // Each line: level, category, message, exception, then the scopes it was written in (e.g. RequestId=…).
    private sealed class CapturingLogger(string category, ConcurrentQueue<string> sink) : ILogger
    {
        private static readonly AsyncLocal<ImmutableStack<object>> Scopes = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            var previous = Scopes.Value ?? [];
            Scopes.Value = previous.Push(state);
            return new ScopeExit(() => Scopes.Value = previous);
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = string.Join(' ', (Scopes.Value ?? []).Select(Describe));
            sink.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception} [{scopes}]");
        }

        private static string Describe(object scope) => scope is IEnumerable<KeyValuePair<string, object>> pairs
            ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}"))
            : scope.ToString() ?? "";
    }

    private sealed class ScopeExit(Action exit) : IDisposable
    {
        public void Dispose() => exit();
    }
}
