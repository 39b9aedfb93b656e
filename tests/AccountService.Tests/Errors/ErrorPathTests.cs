using System.Text.RegularExpressions;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Errors;

/// <summary>
/// Failures have one way out, <c>ApiErrors</c>: no other code builds an envelope, picks an error status, or writes
/// <c>Retry-After</c>, so a new failure path cannot forget the envelope, its headers or the request id.
/// </summary>
public sealed partial class ErrorPathTests
{
    private const string Writer = "Errors/ApiErrors.cs";

    [Fact]
    public void OnlyTheErrorWriterWritesEnvelopesErrorStatusesOrRetryAfter()
    {
        var source = Path.Combine(RepositoryRoot.Path, "src", "AccountService");
        var files = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(source, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("Data/Migrations/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal) && !f.StartsWith("bin/", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(Writer, files);

        var offences = (
            from file in files
            where file != Writer
            from line in File.ReadLines(Path.Combine(source, file)).Select((text, index) => (Text: text, Number: index + 1))
            where ErrorWrite().IsMatch(line.Text)
            select $"{file}:{line.Number}: {line.Text.Trim()}").ToList();

        Assert.True(offences.Count == 0, "failures written outside ApiErrors:\n" + string.Join('\n', offences));
    }

    [Theory]
    [InlineData("return TypedResults.NotFound(errors.Envelope(\"NOT_FOUND\", \"gone\"));")]
    [InlineData("context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;")]
    [InlineData("response.StatusCode = 429;")]
    [InlineData("context.Response.Headers.RetryAfter = \"1\";")]
    [InlineData("headers[\"Retry-After\"] = \"1\";")]
    [InlineData("await context.Response.WriteAsJsonAsync(body);")]
    [InlineData("var envelope = new ErrorEnvelope(new ErrorBody(code, message, url, []));")]
    [InlineData("return Results.Problem(\"boom\");")]
    public void TheCheckRecognisesAWriterOfItsOwn(string line) => Assert.Matches(ErrorWrite(), line);

    [GeneratedRegex(
        @"new ErrorEnvelope\(|new ErrorBody\(|WriteAsJsonAsync|RetryAfter\s*=|""Retry-After""|StatusCode\s*=\s*(StatusCodes\.Status[45]\d\d|[45]\d\d)|\b(Typed)?Results\.(NotFound|BadRequest|Unauthorized|Forbid|Conflict|UnprocessableEntity|InternalServerError|Problem|ValidationProblem|StatusCode)\(")]
    private static partial Regex ErrorWrite();
}
