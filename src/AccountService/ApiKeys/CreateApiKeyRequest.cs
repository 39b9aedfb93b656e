using System.Reflection;
using System.Text.Json;
using AccountService.Errors;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Http.Metadata;

namespace AccountService.ApiKeys;

/// <summary>The body of <c>POST /api/api-keys</c>.</summary>
/// <param name="Name">What the key is for: 1–64 characters, no control characters.</param>
public sealed record CreateApiKeyRequest(string Name) : IBindableFromHttpContext<CreateApiKeyRequest>, IEndpointParameterMetadataProvider
{
    public const string NameField = "name";

    /// <summary>
    /// What made the body unreadable (not JSON, not an object, a field of the wrong type), or null. The body is read
    /// here rather than by the framework so that these answer 400 with per-field details like any other invalid input.
    /// </summary>
    internal BodyProblem? Problem { get; private init; }

    public static async ValueTask<CreateApiKeyRequest?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        // Another Content-Type never reaches the handler: routing (the endpoint accepts application/json) or, for a
        // request without one, JsonBodyFilter answers it 415.
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException)
        {
            return Invalid("body", "must be valid JSON");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Invalid("body", "must be a JSON object");
            }

            // A missing or null name is an empty one: the validator says it is required.
            if (!document.RootElement.TryGetProperty(NameField, out var name) || name.ValueKind == JsonValueKind.Null)
            {
                return new CreateApiKeyRequest("");
            }

            if (name.ValueKind != JsonValueKind.String)
            {
                return Invalid(NameField, "must be a string");
            }

            try
            {
                return new CreateApiKeyRequest(name.GetString()!);
            }
            catch (InvalidOperationException)
            {
                // Escaped lone surrogates ("\ud800") are JSON but not text.
                return Invalid(NameField, "must be valid Unicode text");
            }
        }
    }

    /// <summary>The same request whatever its spacing, property order or unknown properties: what an Idempotency-Key is bound to.</summary>
    internal byte[] Canonical() => JsonSerializer.SerializeToUtf8Bytes(this, ApiKeyJsonContext.Default.CreateApiKeyRequest);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(CreateApiKeyRequest)));

    private static CreateApiKeyRequest Invalid(string field, string message) => new("") { Problem = new BodyProblem(field, message) };

    internal sealed record BodyProblem(string Field, string Message);
}

internal sealed class CreateApiKeyRequestValidator : AbstractValidator<CreateApiKeyRequest>
{
    public CreateApiKeyRequestValidator()
    {
        RuleFor(r => r.Problem).Custom((problem, context) =>
        {
            if (problem is not null)
            {
                context.AddFailure(new ValidationFailure(problem.Field, problem.Message) { ErrorCode = ErrorCodes.ValidationFailed });
            }
        });

        RuleFor(r => r.Name)
            .MustBeKeyName()
            .OverridePropertyName(CreateApiKeyRequest.NameField)
            .When(r => r.Problem is null);
    }
}
