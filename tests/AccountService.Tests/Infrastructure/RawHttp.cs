using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace AccountService.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 by hand over a loopback socket, for what HttpClient will not send (repeated header lines, oversized
/// headers, headers that never finish) and for watching the server close a connection.
/// </summary>
internal sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawHttp(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawHttp> ConnectAsync(Uri server)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        return new RawHttp(tcp);
    }

    /// <summary>Sends <paramref name="text"/> as Latin-1 bytes, exactly as given.</summary>
    public async Task SendAsync(string text) => await _stream.WriteAsync(Encoding.Latin1.GetBytes(text));

    /// <summary>A GET with these header lines (each "Name: value"), keeping the connection open.</summary>
    public Task SendGetAsync(string path, params string[] headerLines) =>
        SendAsync($"GET {path} HTTP/1.1\r\nHost: localhost\r\n{string.Concat(headerLines.Select(h => h + "\r\n"))}\r\n");

    /// <summary>Reads one response (Content-Length or chunked body); returns its status, headers and body.</summary>
    public async Task<RawResponse> ReadResponseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new List<byte>();
        int headerEnd;
        while ((headerEnd = IndexOf(buffer, "\r\n\r\n"u8, 0)) < 0)
        {
            await ReadMoreAsync(buffer, cts.Token);
        }

        var head = Encoding.Latin1.GetString(buffer.GetRange(0, headerEnd).ToArray());
        var lines = head.Split("\r\n");
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToLookup(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = new List<byte>();
        var at = headerEnd + 4;
        if (headers["Transfer-Encoding"].Any(v => v.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            while (true)
            {
                int lineEnd;
                while ((lineEnd = IndexOf(buffer, "\r\n"u8, at)) < 0)
                {
                    await ReadMoreAsync(buffer, cts.Token);
                }

                var size = Convert.ToInt32(Encoding.Latin1.GetString(buffer.GetRange(at, lineEnd - at).ToArray()).Split(';')[0], 16);
                at = lineEnd + 2;
                while (buffer.Count < at + size + 2)
                {
                    await ReadMoreAsync(buffer, cts.Token);
                }

                if (size == 0)
                {
                    break;
                }

                body.AddRange(buffer.GetRange(at, size));
                at += size + 2;
            }
        }
        else
        {
            var length = int.Parse(headers["Content-Length"].DefaultIfEmpty("0").First(), CultureInfo.InvariantCulture);
            while (buffer.Count < at + length)
            {
                await ReadMoreAsync(buffer, cts.Token);
            }

            body.AddRange(buffer.GetRange(at, length));
        }

        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        return new RawResponse(status, headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    /// <summary>Waits until the server closes the connection (a read returns nothing or fails); false if it stays open.</summary>
    public async Task<bool> ClosedByServerWithinAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var chunk = new byte[8192];
        try
        {
            while (await _stream.ReadAsync(chunk, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task ReadMoreAsync(List<byte> buffer, CancellationToken ct)
    {
        var chunk = new byte[8192];
        var read = await _stream.ReadAsync(chunk, ct);
        if (read == 0)
        {
            throw new IOException($"the server closed the connection after {buffer.Count} bytes");
        }

        buffer.AddRange(chunk.AsSpan(0, read));
    }

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> value, int from)
    {
        for (var i = from; i + value.Length <= buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < value.Length && match; j++)
            {
                match = buffer[i + j] == value[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}

internal sealed record RawResponse(int Status, ILookup<string, string> Headers, string Body);
