using System.CommandLine;
using System.Text.RegularExpressions;
using AccountService.ApiKeys;
using AccountService.Data;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AccountService.Operations;

/// <summary>
/// The operator CLI: the same binary with a verb (<c>migrate</c>, <c>accounts</c>, <c>apps</c>, <c>subscriptions</c>,
/// <c>keys</c>, <c>seed-demo</c>, <c>seed-bench</c>, <c>probe</c>, <c>stripe</c>) runs one command and exits; without one it serves HTTP. Every command runs in one
/// transaction, so a failure writes nothing; <c>migrate</c> and <c>seed-bench</c> (which commits per batch of accounts) run
/// their own. Exit codes: 0 ok, 1 failed, 2 bad command line.
/// </summary>
internal static partial class OperatorCommands
{
    private static readonly string[] Verbs = ["migrate", "accounts", "apps", "subscriptions", "keys", "seed-demo", "seed-bench", "probe", "stripe"];

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print machine-readable JSON.",
        Recursive = true,
    };

    /// <summary>
    /// Whether the arguments name a command rather than serve HTTP: any first argument that is not host configuration
    /// (<c>--key value</c>, <c>/key value</c>, <c>key=value</c>), so a mistyped verb fails instead of starting the
    /// server. Help and version count as commands.
    /// </summary>
    public static bool IsCommand(string[] args) =>
        args.Length > 0 && (args[0] is "--help" or "-h" or "-?" or "--version" || !IsHostConfiguration(args[0]));

    private static bool IsHostConfiguration(string arg) => arg.StartsWith('-') || arg.StartsWith('/') || arg.Contains('=');

    public static async Task<int> RunAsync(
        string[] args,
        TextWriter output,
        TextWriter error,
        IEnumerable<KeyValuePair<string, string?>>? configuration = null,
        CancellationToken cancellationToken = default)
    {
        var runner = new Runner(configuration, output, error);
        var root = new RootCommand("AccountService: with no command it serves HTTP; with one, it runs it and exits.")
        {
            Json,
            MigrateCommand(runner),
            AccountCommands.Build(runner),
            AppCommands.Apps(runner),
            AppCommands.Subscriptions(runner),
            KeyCommands.Build(runner),
            DemoSeed.Build(runner),
            BenchSeed.Build(runner),
            StripeCommands.Build(runner),
            ProbeCommand.Build(output, error),
        };

        if (args.Length > 0 && !args[0].StartsWith('-') && !Verbs.Contains(args[0], StringComparer.Ordinal))
        {
            // Not a verb at all: say so, and show what the verbs are.
            await error.WriteLineAsync($"error: unknown command '{OneLine(args[0])}'");
            await root.Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = error, Error = error }, cancellationToken);
            return ExitCodes.Usage;
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await error.WriteLineAsync($"error: {OneLine(parsed.Errors[0].Message)}");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    private static Command MigrateCommand(Runner runner)
    {
        var command = new Command("migrate", "Apply pending database migrations and exit.");
        runner.SetAction(command, transactional: false, async (context, _, ct) =>
        {
            var pending = (await context.Db.Database.GetPendingMigrationsAsync(ct)).ToList();
            await context.Db.Database.MigrateAsync(ct);
            context.Report(
                new { applied = pending },
                pending.Count == 0 ? "database is up to date" : $"applied {pending.Count} migration(s): {string.Join(", ", pending)}");
        });
        return command;
    }

    /// <summary>Runs command bodies: builds the services, owns the transaction, turns failures into one line.</summary>
    internal sealed class Runner(
        IEnumerable<KeyValuePair<string, string?>>? configuration,
        TextWriter output,
        TextWriter error)
    {
        public void SetAction(Command command, Func<OperatorContext, ParseResult, CancellationToken, Task> body) =>
            SetAction(command, transactional: true, body);

        public void SetAction(
            Command command,
            bool transactional,
            Func<OperatorContext, ParseResult, CancellationToken, Task> body) =>
            command.SetAction((parseResult, ct) => RunAsync(parseResult, transactional, body, ct));

        private async Task<int> RunAsync(
            ParseResult parseResult,
            bool transactional,
            Func<OperatorContext, ParseResult, CancellationToken, Task> body,
            CancellationToken ct)
        {
            try
            {
                using var host = BuildHost();
                await using var scope = host.Services.CreateAsyncScope();
                var services = scope.ServiceProvider;
                _ = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
                var db = services.GetRequiredService<AccountDbContext>();

                // What a transactional command reports is written once it has committed: a printed result is a done one.
                using var report = new StringWriter();
                var context = new OperatorContext(
                    db,
                    services.GetRequiredService<ApiKeyHasher>(),
                    services.GetRequiredService<ApiKeyService>(),
                    services.GetRequiredService<TimeProvider>(),
                    transactional ? report : output,
                    parseResult.GetValue(Json),
                    services);

                if (!transactional)
                {
                    await body(context, parseResult, ct);
                    return ExitCodes.Ok;
                }

                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                await body(context, parseResult, ct);
                await transaction.CommitAsync(ct);
                await output.WriteAsync(report.ToString());
                await output.FlushAsync(ct);
                return ExitCodes.Ok;
            }
            catch (OperatorException ex)
            {
                return await FailAsync(ex.Message, ex.ExitCode);
            }
            catch (ValidationException ex)
            {
                var first = ex.Errors.First();
                return await FailAsync($"{first.PropertyName}: {first.ErrorMessage}", ExitCodes.Usage);
            }
            catch (OptionsValidationException ex)
            {
                return await FailAsync(ex.Failures.First(), ExitCodes.Failed);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException pg)
            {
                return await FailAsync($"database rejected the change: {pg.MessageText}", ExitCodes.Failed);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException || ex.InnerException is NpgsqlException)
            {
                return await FailAsync($"database error: {OneLine(ex.GetBaseException().Message)}", ExitCodes.Failed);
            }
        }

        private IHost BuildHost()
        {
            // The environment the service would run in: ASPNETCORE_ENVIRONMENT wins over DOTNET_ENVIRONMENT, as for
            // WebApplication (a generic host reads only the latter).
            var environment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT");
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                Args = [],
                EnvironmentName = string.IsNullOrEmpty(environment) ? null : environment,
            });
            if (configuration is not null)
            {
                builder.Configuration.AddInMemoryCollection(configuration);
            }

            // Commands report through their own output; framework chatter would bury the one line that matters.
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(TimeProvider.System);
            builder.AddAccountData();
            builder.AddApiKeyHashing();
            builder.AddApiKeyRules();
            builder.AddStripeSync(); // Stripe's client and the subscription sync for `stripe sync`, without the server's card cache
            return builder.Build();
        }

        private async Task<int> FailAsync(string message, int exitCode)
        {
            await error.WriteLineAsync($"error: {OneLine(message)}");
            return exitCode;
        }

    }

    /// <summary>Folds a multi-line message (the parser lists allowed values one per line) into one line.</summary>
    private static string OneLine(string text) => WhitespaceRun().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s*\n\s*")]
    private static partial Regex WhitespaceRun();
}
