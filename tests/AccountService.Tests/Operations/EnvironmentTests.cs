using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Operations;

/// <summary>
/// Every verb in every environment, as an operator runs the binary: Development turns on the host's validation of the
/// service graph when it is built, which the CLI's smaller graph must pass too. The CLI follows the environment the
/// service would run in: <c>ASPNETCORE_ENVIRONMENT</c>, else <c>DOTNET_ENVIRONMENT</c>.
/// </summary>
public sealed class EnvironmentTests(PostgresFixture database) : StripeTest(database)
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "AccountService.dll");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await SeedSeatAsync("acc_1", "-Napp1", stripeSubscriptionId: null);
        await SeedAccountAsync("acc_gone");
    }

    [Theory]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "migrate")]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "accounts create --id acc_dev --name Dev")]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "accounts delete --id acc_gone")]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "apps create --account acc_1 --name Another")]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "subscriptions set --app -Napp1 --plan yearly --status active")]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "keys create --account acc_1 --name dev")]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "keys list --account acc_1")]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "keys revoke --key-id {key}")]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "seed-demo")]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "seed-bench --accounts 2 --keys-out {file}")]
    [InlineData("DOTNET_ENVIRONMENT", "Development", "stripe sync")]
    [InlineData("ASPNETCORE_ENVIRONMENT", "Development", "migrate")]
    [InlineData("ASPNETCORE_ENVIRONMENT", "Development", "keys list --account acc_1")]
    [InlineData("ASPNETCORE_ENVIRONMENT", "Staging", "keys list --account acc_1")]
    [InlineData("ASPNETCORE_ENVIRONMENT", "Production", "keys list --account acc_1")]
    public async Task EveryVerbWorksInEveryEnvironment(string variable, string environment, string command)
    {
        var key = await SeedKeyAsync("acc_1");
        var file = Path.Combine(Path.GetTempPath(), $"keys-{Guid.NewGuid():N}.txt");
        var args = command.Replace("{key}", key[3..11], StringComparison.Ordinal).Replace("{file}", file, StringComparison.Ordinal).Split(' ');
        var variables = Stripe.Settings().ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value ?? "");
        variables["ConnectionStrings__Accounts"] = Database.ConnectionString;
        variables["ASPNETCORE_ENVIRONMENT"] = "";
        variables["DOTNET_ENVIRONMENT"] = "";
        variables[variable] = environment;

        try
        {
            var result = await ProcessRunner.RunAsync("dotnet", [Dll, .. args], variables, AppContext.BaseDirectory, TimeSpan.FromSeconds(60));

            Assert.True(result.ExitCode == 0, $"{variable}={environment} {command}: exit {result.ExitCode}:\n{result.Output}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
