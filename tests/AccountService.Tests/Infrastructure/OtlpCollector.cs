using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AccountService.Tests.Infrastructure;

/// <summary>An OTLP/HTTP receiver on 127.0.0.1 that accepts every export and counts them by path.</summary>
internal sealed class OtlpCollector(WebApplication app, string baseUrl, ConcurrentDictionary<string, int> counts) : IAsyncDisposable
{
    public string BaseUrl { get; } = baseUrl;

    public int Count(string path) => counts.GetValueOrDefault(path);

    public static async Task<OtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var counts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            counts.AddOrUpdate($"/v1/{signal}", 1, (_, n) => n + 1);
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new OtlpCollector(app, address, counts);
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
