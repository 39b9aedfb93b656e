using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AccountService.Tests.Infrastructure;

/// <summary>An OTLP/HTTP receiver on 127.0.0.1 that accepts every export and counts them by path.</summary>
internal sealed class OtlpCollector(WebApplication app, string baseUrl, ConcurrentDictionary<string, int> counts) : IAsyncDisposable
{
    public string BaseUrl { get; } = baseUrl;

    public int Count(string path) => counts.GetValueOrDefault(path);

    public static async Task<OtlpCollector> StartAsync()
    {
        var counts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var (app, address) = await LoopbackApp.StartAsync(app => app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            counts.AddOrUpdate($"/v1/{signal}", 1, (_, n) => n + 1);
            return Results.Bytes([], "application/x-protobuf");
        }));
        return new OtlpCollector(app, address, counts);
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
