using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// A bounded load generator for loopback targets: <c>connections</c> workers send requests until the duration or the
/// request budget runs out, whichever comes first, and every answer is recorded with its time and latency (and, when
/// asked, reported as it arrives, so a test can act on what the load has seen so far).
/// </summary>
internal sealed class LoadRunner(Uri target, int connections)
{
    public async Task<LoadResult> RunAsync(
        Func<int, HttpRequestMessage> request,
        TimeSpan duration,
        int maxRequests = int.MaxValue,
        Func<int, HttpResponseMessage, string, string?>? check = null,
        Action<Sample>? observe = null,
        CancellationToken stop = default)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { BaseAddress = target, Timeout = TimeSpan.FromSeconds(30) };
        var samples = new ConcurrentQueue<Sample>();
        var clock = Stopwatch.StartNew();
        var issued = -1;

        async Task WorkerAsync()
        {
            while (clock.Elapsed < duration && !stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref issued);
                if (n >= maxRequests)
                {
                    return;
                }

                using var message = request(n);
                var started = clock.Elapsed;
                try
                {
                    // Stopping only stops new requests; the ones in flight run to their answer.
                    using var response = await http.SendAsync(message, CancellationToken.None);
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    var sample = new Sample(started, clock.Elapsed - started, (int)response.StatusCode, check?.Invoke(n, response, body), body);
                    samples.Enqueue(sample);
                    observe?.Invoke(sample);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    samples.Enqueue(new Sample(started, clock.Elapsed - started, 0, $"transport: {ex.GetType().Name}: {ex.Message}", ""));
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(WorkerAsync)));
        return new LoadResult([.. samples.OrderBy(s => s.Started)], clock.Elapsed);
    }
}

internal sealed record Sample(TimeSpan Started, TimeSpan Latency, int Status, string? Problem, string Body);

internal sealed record LoadResult(IReadOnlyList<Sample> Samples, TimeSpan Elapsed)
{
    public int Requests => Samples.Count;

    public int TransportErrors => Samples.Count(s => s.Status == 0);

    public double Percentile(double p, Func<Sample, bool>? where = null)
    {
        var latencies = Samples.Where(where ?? (_ => true)).Select(s => s.Latency.TotalMilliseconds).Order().ToList();
        return latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p / 100 * latencies.Count) - 1)];
    }

    public string StatusCounts => string.Join(", ", Samples.GroupBy(s => s.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));

    /// <summary>Writes the figures to artifacts/faults/NAME.json and returns them as one line for the test output.</summary>
    public string Report(string name, IReadOnlyDictionary<string, object> extra)
    {
        var figures = new Dictionary<string, object>
        {
            ["test"] = name,
            ["requests"] = Requests,
            ["seconds"] = Math.Round(Elapsed.TotalSeconds, 2),
            ["requestsPerSecond"] = Math.Round(Requests / Elapsed.TotalSeconds),
            ["p50Ms"] = Math.Round(Percentile(50), 2),
            ["p99Ms"] = Math.Round(Percentile(99), 2),
            ["maxMs"] = Math.Round(Percentile(100), 2),
            ["statuses"] = StatusCounts,
            ["transportErrors"] = TransportErrors,
        };
        foreach (var (key, value) in extra)
        {
            figures[key] = value;
        }

        var directory = Path.Combine(RepositoryRoot.Path, "artifacts", "faults");
        Directory.CreateDirectory(directory);
        var json = JsonSerializer.Serialize(figures);
        File.WriteAllText(Path.Combine(directory, $"{name}.json"), json);
        return string.Create(CultureInfo.InvariantCulture, $"{name}: {json}");
    }
}
