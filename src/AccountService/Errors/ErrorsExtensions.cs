using AccountService.Errors;
using FluentValidation;
using Microsoft.AspNetCore.Http.Json;

namespace Microsoft.Extensions.DependencyInjection;

internal static class ErrorsExtensions
{
    /// <summary>One error body for every failure: exceptions, binding failures and empty 4xx/5xx responses.</summary>
    public static IHostApplicationBuilder AddErrorEnvelope(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ErrorOptions>()
            .BindConfiguration(ErrorOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ApiErrors>();
        builder.Services.AddExceptionHandler<GlobalExceptionHandler>();
        builder.Services.AddValidatorsFromAssemblyContaining<ApiErrors>(ServiceLifetime.Singleton, includeInternalTypes: true);

        // Binding failures reach GlobalExceptionHandler as BadHttpRequestException instead of bare 400s
        // (no AddProblemDetails: it would write ProblemDetails bodies past the envelope).
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

        // The app's JSON options write every body (each area adds its source-generated context). ASP.NET Core sets
        // their encoder to JavaScriptEncoder.Default, which no generated context names, and that alone makes the
        // serializer write every body with its general, metadata-driven converters instead of the contexts' generated
        // writers. Unset, the encoder is the same default: the same bytes, from the generated writers.
        builder.Services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.Encoder = null;
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ErrorJsonContext.Default);
        });
        return builder;
    }
}
