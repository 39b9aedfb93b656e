using System.Net;
using System.Text.Json.Nodes;
using AccountService.Errors;
using AccountService.Tests.Infrastructure;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace AccountService.Tests.Errors;

/// <summary>
/// The filter runs rules synchronously and turns to the validator's asynchronous path when a rule needs it; both answer
/// the same way. Served by Kestrel with the service's own error setup.
/// </summary>
public sealed class ValidationFilterTests
{
    [Theory]
    [InlineData("/sync")]
    [InlineData("/async")]
    public async Task ValidHeadersReachTheHandlerAndInvalidOnesGetTheEnvelope(string path)
    {
        var (app, baseUrl) = await LoopbackApp.StartAsync(
            app =>
            {
                app.MapGet("/sync", ([AsParameters] SyncHeaders headers) => TypedResults.Ok(headers.Name))
                    .AddEndpointFilter<ValidationFilter<SyncHeaders>>();
                app.MapGet("/async", ([AsParameters] AsyncHeaders headers) => TypedResults.Ok(headers.Name))
                    .AddEndpointFilter<ValidationFilter<AsyncHeaders>>();
            },
            builder =>
            {
                builder.AddErrorEnvelope();
                builder.Services.AddSingleton<IValidator<SyncHeaders>, SyncHeadersValidator>();
                builder.Services.AddSingleton<IValidator<AsyncHeaders>, AsyncHeadersValidator>();
            });
        await using var _ = app;
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl) };

        // Twice: the second time, a validator with an asynchronous rule goes straight to the asynchronous path.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var valid = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Name", "fine" } } };
            using var invalid = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Name", "bad" } } };

            using var accepted = await client.SendAsync(valid);
            using var refused = await client.SendAsync(invalid);

            Assert.Equal((HttpStatusCode.OK, "\"fine\""), (accepted.StatusCode, await accepted.Content.ReadAsStringAsync()));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
            Assert.Equal("VALIDATION_FAILED", error["code"]!.GetValue<string>());
            var detail = Assert.Single(error["details"]!.AsArray())!;
            Assert.Equal(("X-Name", "must not be bad"), (detail["field"]!.GetValue<string>(), detail["message"]!.GetValue<string>()));
        }
    }

    public sealed record SyncHeaders([FromHeader(Name = "X-Name")] string? Name);

    public sealed record AsyncHeaders([FromHeader(Name = "X-Name")] string? Name);

    private sealed class SyncHeadersValidator : AbstractValidator<SyncHeaders>
    {
        public SyncHeadersValidator() =>
            RuleFor(h => h.Name).Must(name => name != "bad").WithMessage("must not be bad").OverridePropertyName("X-Name");
    }

    private sealed class AsyncHeadersValidator : AbstractValidator<AsyncHeaders>
    {
        public AsyncHeadersValidator() =>
            RuleFor(h => h.Name)
                .MustAsync(async (name, ct) =>
                {
                    await Task.Yield();
                    return name != "bad";
                })
                .WithMessage("must not be bad")
                .OverridePropertyName("X-Name");
    }
}
