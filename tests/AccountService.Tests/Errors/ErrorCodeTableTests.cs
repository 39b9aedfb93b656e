using System.Text.RegularExpressions;
using AccountService.Errors;
using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Errors;

public sealed partial class ErrorCodeTableTests
{
    private static readonly Uri DocBase = new("https://orbitkit.io/");

    [Theory]
    [InlineData("UNAUTHORIZED", 401, "https://orbitkit.io/api/errors/#unauthorized")]
    [InlineData("NOT_FOUND", 404, "https://orbitkit.io/api/errors/#not-found")]
    [InlineData("VALIDATION_FAILED", 400, "https://orbitkit.io/api/errors/#validation-failed")]
    [InlineData("RATE_LIMITED", 429, "https://orbitkit.io/api/rate-limits/#rate-limited")]
    [InlineData("SLUG_TAKEN", 409, "https://orbitkit.io/api/errors/#slug-taken")]
    [InlineData("SUBSCRIPTION_REQUIRED", 403, "https://orbitkit.io/api/errors/#subscription-required")]
    [InlineData("IDEMPOTENCY_KEY_REUSE", 422, "https://orbitkit.io/api/errors/#idempotency-key-reuse")]
    [InlineData("INVALID_IDEMPOTENCY_KEY", 400, "https://orbitkit.io/api/errors/#invalid-idempotency-key")]
    [InlineData("DEPLOY_FAILED", 500, "https://orbitkit.io/api/errors/#deploy-failed")]
    [InlineData("INTERNAL_ERROR", 500, "https://orbitkit.io/api/errors/#internal-error")]
    public void EachCodeHasItsStatusAndDocAnchor(string code, int status, string docUrl)
    {
        var row = ErrorCodes.Get(code);

        Assert.Equal((status, docUrl), (row.Status, row.DocUrl(DocBase)));
    }

    [Fact]
    public void TheDocBaseIsConfigurable() =>
        Assert.Equal("https://docs.example.test/api/errors/#not-found", ErrorCodes.Get("NOT_FOUND").DocUrl(new Uri("https://docs.example.test/")));

    [Fact]
    public void OpenApiListsExactlyTheCodesInTheTable()
    {
        var yaml = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "openapi.yaml"));
        var block = ErrorCodeEnum().Match(yaml);
        Assert.True(block.Success, "openapi.yaml has no ErrorCode enum");

        var documented = block.Groups["items"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.TrimStart('-', ' '))
            .Order(StringComparer.Ordinal);

        Assert.Equal(ErrorCodes.All.Select(c => c.Code).Order(StringComparer.Ordinal), documented);
    }

    [GeneratedRegex(@"^    ErrorCode:\n(?:      (?!enum:).*\n)*      enum:\n(?<items>(?:        - .*\n)+)", RegexOptions.Multiline)]
    private static partial Regex ErrorCodeEnum();
}
