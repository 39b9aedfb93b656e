using AccountService.Accounts;
using AccountService.Auth;
using AccountService.Billing;
using AccountService.Data;
using AccountService.Errors;
using AccountService.Health;
using AccountService.Operations;
using AccountService.Server;

// With a verb (migrate, accounts, apps, subscriptions, keys, seed-demo) the binary is the operator CLI.
if (OperatorCommands.IsCommand(args))
{
    return await OperatorCommands.RunAsync(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServerDefaults();    // Kestrel: no Server header, non-ASCII headers reach auth instead of a bare 400
builder.AddErrorEnvelope();     // one {"error":{…}} body for every failure
builder.AddAccountData();       // EF Core on PostgreSQL + readiness check
builder.AddAccountAuth();       // Bearer: OrbitKit API keys and JWTs end in the same principal
builder.AddBilling();           // Stripe card lookup with a per-customer cache and a time budget
builder.AddAccounts();          // account lookup, source-generated JSON

var app = builder.Build();

app.UseErrorEnvelope();         // exception handler, then envelopes for empty error responses
app.UseAuthentication();
app.UseAuthorization();
app.MapHealthEndpoints();       // /health/live, /health/ready
app.MapAccountEndpoints();      // /v1/accounts/me, /api/account

await app.RunAsync();
return 0;
