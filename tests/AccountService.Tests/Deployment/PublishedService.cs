using System.Collections.Concurrent;
using System.Diagnostics;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Deployment;

/// <summary>
/// The service as the container runs it: `dotnet publish -c Release` (the Dockerfile's build step), once per test
/// class, started as its own process on a loopback port.
/// </summary>
public sealed class PublishedService : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"accounts-publish-{Guid.NewGuid():N}");

    public string Dll => Path.Combine(Directory, "AccountService.dll");

    public async Task InitializeAsync()
    {
        var project = Path.Combine(RepositoryRoot.Path, "src", "AccountService", "AccountService.csproj");
        var publish = await ProcessRunner.RunAsync("dotnet", ["publish", project, "-c", "Release", "-o", Directory, "--nologo", "-v", "q"]);
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{publish.Output}");
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Starts the published service with these settings (as environment variables) on a free loopback port.</summary>
    public ServiceProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        ServiceProcess.Start(Dll, environment, args);
}

/// <summary>A running service process: its address and every line it wrote.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    public ServiceProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        _process.OutputDataReceived += (_, e) => Capture(e.Data);
        _process.ErrorDataReceived += (_, e) => Capture(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    /// <summary>
    /// Starts the service in <paramref name="dll"/> (a published output, or the build output beside the tests) with these
    /// settings (as environment variables) on a free loopback port, in Production.
    /// </summary>
    public static ServiceProcess Start(string dll, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var port = PostgresServer.FreeLoopbackPort();
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Metrics__Url"] = $"http://127.0.0.1:{PostgresServer.FreeLoopbackPort()}";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new ServiceProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
    }

    public ConcurrentQueue<string> Lines { get; } = new();

    public int ExitCode => _process.ExitCode;

    /// <summary>The lines logged at Error or above, for a failing assertion's message.</summary>
    public string ErrorLines() =>
        string.Join('\n', Lines.Where(l => l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || l.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal)));

    /// <summary>Peak resident memory so far (VmHWM), in MiB.</summary>
    public double PeakRssMiB
    {
        get
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }
    }

    public bool HasExited => _process.HasExited;

    public Task WaitUntilLiveAsync() => WaitUntilAsync("/health/live");

    /// <summary>Ready also means the database answered once: the model is built and the pool has a connection.</summary>
    public Task WaitUntilReadyAsync() => WaitUntilAsync("/health/ready");

    private async Task WaitUntilAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Signals.WaitUntilAsync(
            () =>
            {
                Assert.False(_process.HasExited, $"the service exited:\n{string.Join('\n', Lines)}");
                return AnswersAsync(http, new Uri(BaseAddress, path));
            },
            TimeSpan.FromSeconds(30),
            $"the service answers {path}",
            () => string.Join('\n', Lines));
    }

    /// <summary>Whether <paramref name="url"/> answers 2xx; a server not listening yet (or too slow) does not.</summary>
    internal static async Task<bool> AnswersAsync(HttpClient http, Uri url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends SIGTERM, as a container runtime does on stop.</summary>
    public async Task TerminateAsync()
    {
        var kill = await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(kill.ExitCode == 0, kill.Output);
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Capture(string? line)
    {
        if (line is not null)
        {
            Lines.Enqueue(line);
        }
    }
}
