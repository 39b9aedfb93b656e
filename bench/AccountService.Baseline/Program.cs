using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

// The load benchmark's ceiling: GET /v1/accounts/me for an API key with nothing but Kestrel and raw Npgsql. It hashes
// the secret, runs one prepared query joining the key to its account, and writes the same bytes the service writes.
// No ETag, rate limits, request ids or logging scopes: what is left is the least any implementation has to do.
var builder = WebApplication.CreateSlimBuilder(args);
var connectionString = builder.Configuration.GetConnectionString("Accounts")
    ?? throw new InvalidOperationException("ConnectionStrings:Accounts is required.");
builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));

var app = builder.Build();
app.MapGet("/v1/accounts/me", Me.GetAsync);
await app.RunAsync();

internal static class Me
{
    private const string Query = """
        SELECT k.secret_hash, a.id, a.name, a.tier, a.status, a.created_at, a.billing_type, a.stripe_customer_id,
               a.stripe_subscription_id, a.aws_customer_identifier, a.aws_license_arn, a.aws_subscription_status
        FROM api_keys k JOIN accounts a ON a.id = k.account_id
        WHERE k.key_id = $1 AND k.revoked_at IS NULL
        """;

    // ok_<8-char key id>_<24-char secret>
    private const int KeyLength = 36;

    public static async Task GetAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length != "Bearer ".Length + KeyLength
            || !header.StartsWith("Bearer ok_", StringComparison.OrdinalIgnoreCase)
            || header["Bearer ".Length + 11] != '_')
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var keyId = header.Substring("Bearer ok_".Length, 8);
        var hash = HashSecret(header.AsSpan("Bearer ".Length + 12));

        var ct = context.RequestAborted;
        var dataSource = context.RequestServices.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // key_id is character(8): a text parameter would compare key_id::text and miss the primary key index.
        await using var command = new NpgsqlCommand(Query, connection)
        {
            Parameters = { new() { Value = keyId, NpgsqlDbType = NpgsqlDbType.Char } },
        };

        // Prepared once per physical connection; later calls find the statement already there.
        await command.PrepareAsync(ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || !CryptographicOperations.FixedTimeEquals(hash, reader.GetFieldValue<byte[]>(0)))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var body = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(body))
        {
            WriteAccount(json, reader);
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.WrittenCount;
        await context.Response.Body.WriteAsync(body.WrittenMemory, ct);
    }

    // Runloop's AccountView, property for property as the service's AccountMapping writes it.
    private static void WriteAccount(Utf8JsonWriter json, NpgsqlDataReader row)
    {
        var billingType = row.GetString(6);
        var customer = Nullable(row, 7);
        var subscription = Nullable(row, 8);
        var awsCustomer = Nullable(row, 9);
        var awsLicense = Nullable(row, 10);
        var awsStatus = Nullable(row, 11);
        var hasStripe = customer is not null || subscription is not null;
        var hasAws = awsCustomer is not null || awsLicense is not null || awsStatus is not null;

        json.WriteStartObject();
        json.WriteString("id", row.GetString(1));
        json.WriteString("name", row.GetString(2));
        json.WriteString("tier", "ACCOUNT_TIER_" + row.GetString(3));
        json.WriteString("account_status", "ACCOUNT_STATUS_" + row.GetString(4));
        json.WriteString("created_at", row.GetFieldValue<DateTime>(5).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteStartObject("billing");
        json.WriteString("account_billing_type", billingType);
        if (hasStripe)
        {
            json.WriteStartObject("stripe");
            json.WriteString("customer_id", customer);
            json.WriteString("active_subscription", subscription);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("stripe");
        }

        if (hasAws)
        {
            json.WriteStartObject("aws");
            json.WriteString("customer_identifier", awsCustomer);
            json.WriteString("license_arn", awsLicense);
            json.WriteString("subscription_status", awsStatus);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("aws");
        }

        json.WriteString("stripe_customer_id", hasStripe ? customer : null);
        json.WriteEndObject();
        json.WriteString("stripe_customer_id", hasStripe ? customer : null);
        json.WriteString("active_subscription", hasStripe ? subscription : null);
        json.WriteString("account_billing_type", billingType);
        json.WriteString("external_billing_account_id", hasAws ? awsCustomer : null);
        json.WriteEndObject();
    }

    private static byte[] HashSecret(ReadOnlySpan<char> secret)
    {
        Span<byte> bytes = stackalloc byte[secret.Length];
        Encoding.ASCII.GetBytes(secret, bytes);
        return SHA256.HashData(bytes);
    }

    private static string? Nullable(NpgsqlDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);
}
