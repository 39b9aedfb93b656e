using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// Stoplight Prism (tests/contract) as a validating proxy in front of a running service, on a free 127.0.0.1 port:
/// <c>prism proxy openapi.yaml &lt;upstream&gt; --errors</c>. Every answer is checked against openapi.yaml; one that
/// breaks it is replaced by Prism's own 500 (<c>application/problem+json</c>) and carries an <c>sl-violations</c>
/// header listing each violation, as does an answer with only warnings (such as an undocumented error status).
/// Requests are not checked (<c>--validate-request=false</c>), so malformed ones reach the service and get its
/// errors; Prism still refuses a secured operation without a bearer credential itself.
/// </summary>
internal sealed partial class PrismProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private PrismProxy(Process process, ConcurrentQueue<string> output, Uri address)
    {
        _process = process;
        _output = output;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>What Prism has logged so far: each request, the upstream's status, and every violation.</summary>
    public string Output => string.Join('\n', _output);

    public static async Task<PrismProxy> StartAsync(string upstream)
    {
        var directory = NodeScript.Folder("contract", "@stoplight/prism-cli");
        var start = new ProcessStartInfo(
            "node",
            [
                Path.Combine("node_modules", "@stoplight", "prism-cli", "dist", "index.js"),
                "proxy", Path.Combine(RepositoryRoot.Path, "openapi.yaml"), upstream,
                "--errors", "--validate-request=false", "--host", "127.0.0.1", "--port", "0",
            ])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NO_COLOR"] = "1";
        start.Environment["FORCE_COLOR"] = "0";

        var output = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        void Read(object sender, DataReceivedEventArgs line)
        {
            if (line.Data is null)
            {
                return;
            }

            output.Enqueue(line.Data);
            if (Listening().Match(line.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups["url"].Value));
            }
        }

        process.OutputDataReceived += Read;
        process.ErrorDataReceived += Read;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("prism exited before it listened"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Loading and compiling the document takes a few seconds, more on a loaded machine.
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(90));
            return new PrismProxy(process, output, address);
        }
        catch (Exception e)
        {
            Stop(process);
            throw new InvalidOperationException($"prism did not start: {e.Message}\n{string.Join('\n', output)}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    [GeneratedRegex(@"Prism is listening on (?<url>http://\S+)")]
    private static partial Regex Listening();
}
