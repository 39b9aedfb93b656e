using System.Text.Encodings.Web;
using System.Text.Json;
using AccountService.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AccountService.Tests.Errors;

/// <summary>The app's JSON options, which write every body: fit for the generated writers, escaping as before.</summary>
public sealed class JsonOptionsTests
{
    // What ASP.NET Core's own options write with: JavaScriptEncoder.Default, named.
    private static readonly JsonSerializerOptions AsBefore = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.Default };

    [Fact]
    public void TheEncoderIsLeftUnsetAsTheGeneratedContextsExpectAndEscapesAsTheDefaultDoes()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddErrorEnvelope();
        builder.AddAccounts();
        using var app = builder.Build();
        var options = app.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

        // No generated context names an encoder; options that do are served by the serializer's general converters.
        Assert.Null(options.Encoder);

        var envelope = new ErrorEnvelope(new ErrorBody("NOT_FOUND", "Café <b>\"x\"</b> & 'y' 😀", "https://example.test/e", []));
        Assert.Equal(JsonSerializer.Serialize(envelope, AsBefore), JsonSerializer.Serialize(envelope, options));
    }
}
