using AccountService.Auth;
using AccountService.Data;
using AccountService.Errors;
using AccountService.Health;
using AccountService.Operations;

// With a verb (migrate, accounts, apps, subscriptions, keys, seed-demo) the binary is the operator CLI.
if (OperatorCommands.IsCommand(args))
{
    return await OperatorCommands.RunAsync(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddErrorEnvelope();     // one {"error":{…}} body for every failure
builder.AddAccountData();       // EF Core on PostgreSQL + readiness check
builder.AddApiKeyHashing();     // API key secrets are stored only as hashes

var app = builder.Build();

app.UseErrorEnvelope();         // exception handler, then envelopes for empty error responses
app.MapHealthEndpoints();       // /health/live, /health/ready

await app.RunAsync();
return 0;
