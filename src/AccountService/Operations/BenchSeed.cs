using System.CommandLine;
using System.Text;
using AccountService.Accounts;
using AccountService.Auth;
using AccountService.Billing;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace AccountService.Operations;

/// <summary>
/// <c>seed-bench --accounts N --keys-out FILE</c>: N load-test accounts, each with a Stripe customer, two apps with
/// their seats and one API key, written with binary COPY inside the command's transaction (10,000 accounts take
/// seconds); the keys go to FILE, one per line. Either all rows and the file are written, or neither.
/// </summary>
internal static class BenchSeed
{
    public const int MaxAccounts = 1_000_000;
    private const string KeyName = "bench";

    public static Command Build(OperatorCommands.Runner runner)
    {
        var accounts = new Option<int>("--accounts") { Description = $"How many accounts to create (1–{MaxAccounts:N0}).", Required = true };
        var keysOut = new Option<FileInfo>("--keys-out") { Description = "File to write the API keys to, one per line.", Required = true };
        var command = new Command("seed-bench", "Create load-test accounts with apps, seats and one API key each; write the keys to a file.")
        {
            accounts,
            keysOut,
        };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var count = parsed.GetValue(accounts);
            if (count is < 1 or > MaxAccounts)
            {
                throw new OperatorException($"--accounts: must be between 1 and {MaxAccounts:N0}", ExitCodes.Usage);
            }

            // The keys go to a side file first, so an unwritable path fails before any row is written, and FILE
            // only ever appears complete.
            var target = parsed.GetRequiredValue(keysOut).FullName;
            var partial = target + ".partial";
            await using (var file = OpenKeysFile(partial, target))
            {
                var rows = Generate(count, context.Hasher, context.Time.GetUtcNow());
                try
                {
                    await CopyAsync((NpgsqlConnection)context.Db.Database.GetDbConnection(), rows, ct);
                    foreach (var row in rows)
                    {
                        await file.WriteAsync($"{row.Key}\n".AsMemory(), ct);
                    }
                }
                catch
                {
                    await file.DisposeAsync();
                    File.Delete(partial);
                    throw;
                }
            }

            try
            {
                File.Move(partial, target, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                File.Delete(partial);
                throw new OperatorException($"cannot write keys file {target}: {ex.Message}");
            }

            context.Report(
                new { accounts = count, apps = count * 2, keys = count, keysOut = target },
                $"created {count} accounts with {count * 2} apps and {count} API keys; keys written to {target}");
        });
        return command;
    }

    private static StreamWriter OpenKeysFile(string partial, string target)
    {
        if (Directory.Exists(target))
        {
            throw new OperatorException($"cannot write keys file {target}: it is a directory");
        }

        try
        {
            // The keys are credentials: readable by the owner only.
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            return new StreamWriter(partial, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OperatorException($"cannot write keys file {target}: {ex.Message}");
        }
    }

    private static List<BenchAccount> Generate(int count, ApiKeyHasher hasher, DateTimeOffset now)
    {
        var rows = new List<BenchAccount>(count);
        var keyIds = new HashSet<string>(count, StringComparer.Ordinal);
        var monthEnd = DateTimeOffset.FromUnixTimeSeconds(now.AddDays(30).ToUnixTimeSeconds());
        var yearEnd = DateTimeOffset.FromUnixTimeSeconds(now.AddDays(365).ToUnixTimeSeconds());
        for (var n = 1; n <= count; n++)
        {
            var accountId = Ids.NewAccountId();
            var (keyId, secret, key) = ApiKeyCredential.Generate();
            while (!keyIds.Add(keyId))
            {
                (keyId, secret, key) = ApiKeyCredential.Generate();
            }

            // The Stripe ids reuse the account id's random part, so they are unique and tell where they came from.
            var suffix = accountId["acc_".Length..];
            rows.Add(new BenchAccount(
                accountId,
                $"Bench account {n}",
                $"cus_bench{suffix}",
                $"sub_bench{suffix}",
                [
                    new BenchApp(Ids.NewAppId(), "Todo Tracker", PlanType.Yearly, yearEnd),
                    new BenchApp(Ids.NewAppId(), "Weather App", PlanType.Monthly, monthEnd),
                ],
                keyId,
                hasher.Hash(secret),
                key));
        }

        return rows;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, List<BenchAccount> rows, CancellationToken ct)
    {
        var tier = StoredNames.Tier.ToText(AccountTier.Pro);
        var status = StoredNames.Status.ToText(AccountStatus.Enabled);
        var billing = StoredNames.BillingType.ToText(BillingType.Stripe);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY accounts (id, name, tier, status, billing_type, stripe_customer_id, stripe_subscription_id) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(row.Id, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.Name, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(tier, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(status, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(billing, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.StripeCustomerId, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.StripeSubscriptionId, NpgsqlDbType.Varchar, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY apps (id, account_id, name) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var (row, app) in rows.SelectMany(r => r.Apps, (r, a) => (r, a)))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(app.Id, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.Id, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(app.Name, NpgsqlDbType.Varchar, ct);
            }

            await copy.CompleteAsync(ct);
        }

        var active = StoredNames.SubscriptionStatus.ToText(SubscriptionStatus.Active);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY app_subscriptions (app_id, plan_type, status, cancel_at_period_end, current_period_end) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var app in rows.SelectMany(r => r.Apps))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(app.Id, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(StoredNames.PlanType.ToText(app.Plan), NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(active, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(false, NpgsqlDbType.Boolean, ct);
                await copy.WriteAsync(app.PeriodEnd, NpgsqlDbType.TimestampTz, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY api_keys (key_id, account_id, name, secret_hash) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(row.KeyId, NpgsqlDbType.Char, ct);
                await copy.WriteAsync(row.Id, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(KeyName, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.SecretHash, NpgsqlDbType.Bytea, ct);
            }

            await copy.CompleteAsync(ct);
        }
    }

    private sealed record BenchAccount(
        string Id,
        string Name,
        string StripeCustomerId,
        string StripeSubscriptionId,
        BenchApp[] Apps,
        string KeyId,
        byte[] SecretHash,
        string Key);

    private sealed record BenchApp(string Id, string Name, PlanType Plan, DateTimeOffset PeriodEnd);
}
