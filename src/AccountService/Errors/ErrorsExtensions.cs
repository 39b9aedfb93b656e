using AccountService.Errors;
using FluentValidation;

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
        return builder;
    }
}
