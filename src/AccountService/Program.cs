using AccountService.Auth;
using AccountService.Operations;

// With a verb (migrate, accounts, apps, subscriptions, keys, seed-demo, seed-bench, probe, stripe) the binary is the operator CLI.
if (OperatorCommands.IsCommand(args))
{
    return await OperatorCommands.RunAsync(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServerDefaults();    // Kestrel limits, forwarded headers from known proxies only, the clock
builder.AddErrorEnvelope();     // one {"error":{…}} body for every failure; request validators
builder.AddAccountData();       // one PostgreSQL pool for EF Core and the caller reads; readiness check
builder.AddAccountAuth();       // Bearer: OrbitKit API keys and JWTs end in the same principal
builder.AddSharedRedis();       // optional Redis (ConnectionStrings:Redis): budgets and cards shared by replicas; up before the listener
builder.AddCallers();           // known callers from memory, kept current by the database's change notifications
builder.AddAccountRateLimits(); // per account, or per IP without a valid credential; IETF RateLimit headers
builder.AddBilling();           // Stripe card lookup: per-customer cache, breaker and time budget, last known cards
builder.AddAccounts();          // source-generated JSON of the account endpoints
builder.AddApiKeys();           // key rules shared with the CLI, Idempotency-Key store, key ring in PostgreSQL encrypted with DataProtection:KeyRingKey
builder.AddApiDocs();           // Swashbuckle document and Swagger UI (OpenApi:Enabled; on in Development)
builder.AddTelemetry();         // /metrics for Prometheus on Metrics:Url; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set

var app = builder.Build();

app.UseServerDefaults();        // forwarded headers, X-Request-Id, nosniff and no-store
app.UseErrorEnvelope();         // exception handler, then envelopes for empty error responses
app.UseRequestBounds();         // Server:RequestTimeout (queueing included), then load shedding; 503s in the envelope
app.UseApiDocs();               // /swagger and /swagger/v1/swagger.json when enabled
app.UseCallerResolution();      // per-IP gate on lookups → bearer authentication, once → the caller's account → its budget
app.UseAuthorization();         // reads the caller resolved above and authenticates nothing itself: must stay after it
app.MapHealthEndpoints();       // /health/live, /health/ready
app.MapAccountEndpoints();      // /v1/accounts/me, /api/account
app.MapApiKeyEndpoints()        // /api/api-keys: create (Idempotency-Key), list, revoke
    .RequireUserSession();      // user sessions only: a leaked API key cannot make more keys
app.MapStripeWebhooks();        // /webhooks/stripe: signed events keep seats and cards as Stripe has them

// Every setting is checked before anything starts: an invalid one ends the process with one line naming it, exit 1.
return await app.RunWithValidSettingsAsync();
