using AccountService.Operations;

namespace AccountService.Tests.Operations;

/// <summary>Which arguments make the binary a CLI command, and what an unknown verb gets.</summary>
public sealed class CommandLineTests
{
    private static readonly string[] Verbs = ["migrate", "accounts", "apps", "subscriptions", "keys", "seed-demo", "seed-bench", "probe"];

    [Theory]
    [InlineData(true, "migrate")]
    [InlineData(true, "migrat")]
    [InlineData(true, "serve")]
    [InlineData(true, "--help")]
    [InlineData(true, "--version")]
    [InlineData(false)]
    [InlineData(false, "--urls", "http://127.0.0.1:8080")]
    [InlineData(false, "--environment=Production")]
    [InlineData(false, "/urls", "http://127.0.0.1:8080")]
    [InlineData(false, "Server:RequestTimeout=00:00:05")]
    public void AnyFirstArgumentThatIsNotHostConfigurationIsACommand(bool command, params string[] args) =>
        Assert.Equal(command, OperatorCommands.IsCommand(args));

    [Theory]
    [InlineData("migrat")]
    [InlineData("serve", "--json")]
    public async Task AnUnknownVerbExitsTwoWithTheUsageOnStderr(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await OperatorCommands.RunAsync(args, output, error);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output.ToString());
        var text = error.ToString();
        Assert.StartsWith("error: ", text, StringComparison.Ordinal);
        Assert.Contains(args[0], text.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains("Usage:", text, StringComparison.Ordinal);
        Assert.All(Verbs, verb => Assert.Contains(verb, text, StringComparison.Ordinal));
    }
}
