using System.CommandLine;
using System.Text;
using AccountService.Accounts;
using AccountService.ApiKeys;
using AccountService.Billing;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace AccountService.Operations;

/// <summary>
/// <c>seed-bench --accounts N --keys-out FILE</c>: N load-test accounts, each with a Stripe customer, two apps with
/// their seats and one API key, written with binary COPY in batches of <see cref="DefaultBatchSize"/> accounts, each
/// batch in a transaction of its own (1,000,000 accounts take under two minutes on two cores, as a superuser, see
/// <see cref="MaySkipTriggersAsync"/>); the keys go to FILE, one per line.
/// <para>
/// A batch's keys are written to FILE.partial once the batch has committed, and FILE.partial becomes FILE when the
/// command ends. So a run that fails or is interrupted (a database error, Ctrl-C) part way leaves the batches that
/// committed before it, whole, and FILE with exactly their keys, and says how many; if no batch committed, it writes
/// nothing (no rows, no FILE). A killed process leaves the committed batches and FILE.partial, which holds their keys
/// except perhaps the last committed batch's (missing or cut short if it died between that commit and the write).
/// </para>
/// </summary>
internal static class BenchSeed
{
    public const int MaxAccounts = 1_000_000;

    /// <summary>Accounts per batch: small enough that no COPY of a batch comes near a timeout.</summary>
    public const int DefaultBatchSize = 50_000;

    private const string KeyName = "bench";

    // A batch's COPY of 100,000 apps or seats can outlast the connection's command timeout (set for the service's
    // single-row statements) on a busy machine.
    private static readonly TimeSpan CopyTimeout = TimeSpan.FromMinutes(2);

    public static Command Build(OperatorCommands.Runner runner)
    {
        var accounts = new Option<int>("--accounts") { Description = $"How many accounts to create (1–{MaxAccounts:N0}).", Required = true };
        var keysOut = new Option<FileInfo>("--keys-out") { Description = "File to write the API keys to, one per line.", Required = true };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Accounts per transaction.",
            DefaultValueFactory = _ => DefaultBatchSize,
            Hidden = true,
        };
        var command = new Command("seed-bench", "Create load-test accounts with apps, seats and one API key each; write the keys to a file.")
        {
            accounts,
            keysOut,
            batchSize,
        };

        // Not one transaction for the command: each batch commits on its own (see the class summary).
        runner.SetAction(command, transactional: false, async (context, parsed, ct) =>
        {
            var count = parsed.GetValue(accounts);
            if (count is < 1 or > MaxAccounts)
            {
                throw new OperatorException($"--accounts: must be between 1 and {MaxAccounts:N0}", ExitCodes.Usage);
            }

            var batch = parsed.GetValue(batchSize);
            if (batch is < 1 or > MaxAccounts)
            {
                throw new OperatorException($"--batch-size: must be between 1 and {MaxAccounts:N0}", ExitCodes.Usage);
            }

            // The keys go to a side file first, so an unwritable path fails before any row is written, and FILE
            // only ever appears with the keys of committed rows.
            var target = parsed.GetRequiredValue(keysOut).FullName;
            var partial = target + ".partial";
            var batches = (count + batch - 1) / batch;
            var database = context.Db.Database;
            var committed = 0; // accounts in committed batches
            var written = 0; // accounts whose keys are in the side file
            await using (var file = OpenKeysFile(partial, target))
            {
                try
                {
                    await database.OpenConnectionAsync(ct);
                    var connection = (NpgsqlConnection)database.GetDbConnection();
                    var skipTriggers = await MaySkipTriggersAsync(connection, ct);
                    var keyIds = new HashSet<string>(count, StringComparer.Ordinal);
                    var now = context.Time.GetUtcNow();

                    // The next batch is made while this one is copied: making them is a good part of the work.
                    List<BenchAccount> Make(int first) => Generate(first, Math.Min(batch, count - first + 1), keyIds, context.Hasher, now);
                    var next = Task.Run(() => Make(1), ct);
                    while (committed < count)
                    {
                        var rows = await next;
                        var following = committed + rows.Count + 1;
                        if (following <= count)
                        {
                            next = Task.Run(() => Make(following), ct);
                        }

                        await using (var transaction = await database.BeginTransactionAsync(ct))
                        {
                            if (skipTriggers)
                            {
                                await using var replica = new NpgsqlCommand("SET LOCAL session_replication_role = replica", connection);
                                await replica.ExecuteNonQueryAsync(ct);
                            }

                            await CopyAsync(connection, rows, ct);
                            await transaction.CommitAsync(ct);
                        }

                        committed += rows.Count;

                        // The batch is in the database: its keys are written whatever happens next, Ctrl-C included.
                        foreach (var row in rows)
                        {
                            await file.WriteAsync($"{row.Key}\n".AsMemory(), CancellationToken.None);
                        }

                        await file.FlushAsync(CancellationToken.None);
                        written = committed;
                    }
                }
                catch (Exception ex) when (committed > 0)
                {
                    await file.DisposeAsync();
                    var missing = committed == written ? "" : $"; the keys of the last {committed - written:N0} could not be written";
                    Publish(partial, target);
                    var cause = ex is OperationCanceledException ? "interrupted" : ex.GetBaseException().Message;
                    throw new OperatorException(
                        $"stopped after {committed:N0} of {count:N0} accounts ({committed / batch} of {batches} batches committed, " +
                        $"keys written to {target}{missing}): {cause}");
                }
                catch
                {
                    await file.DisposeAsync();
                    File.Delete(partial);
                    throw;
                }
                finally
                {
                    await database.CloseConnectionAsync();
                }
            }

            Publish(partial, target);
            context.Report(
                new { accounts = count, apps = count * 2, keys = count, batches, keysOut = target },
                $"created {count} accounts with {count * 2} apps and {count} API keys in {batches} batches; keys written to {target}");
        });
        return command;
    }

    /// <summary>
    /// Whether the batches may run with <c>session_replication_role = replica</c>, which skips per-row triggers (a
    /// superuser's right): the foreign key checks, needless for rows made consistent here, and the change
    /// notifications, needless for rows no cache can hold yet (every id and key is new). Together they are most of
    /// the database's work per row. Unique keys and CHECK constraints hold either way.
    /// </summary>
    private static async Task<bool> MaySkipTriggersAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT current_setting('is_superuser') = 'on'", connection);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    private static void Publish(string partial, string target)
    {
        try
        {
            File.Move(partial, target, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(partial);
            throw new OperatorException($"cannot write keys file {target}: {ex.Message}");
        }
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

    /// <summary>Accounts numbered <paramref name="first"/> on; <paramref name="keyIds"/> keeps key ids unique across batches.</summary>
    private static List<BenchAccount> Generate(int first, int count, HashSet<string> keyIds, ApiKeyHasher hasher, DateTimeOffset now)
    {
        var rows = new List<BenchAccount>(count);
        var monthEnd = DateTimeOffset.FromUnixTimeSeconds(now.AddDays(30).ToUnixTimeSeconds());
        var yearEnd = DateTimeOffset.FromUnixTimeSeconds(now.AddDays(365).ToUnixTimeSeconds());
        for (var n = first; n < first + count; n++)
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

    private static async Task<NpgsqlBinaryImporter> BeginCopyAsync(NpgsqlConnection connection, string copyCommand, CancellationToken ct)
    {
        var copy = await connection.BeginBinaryImportAsync(copyCommand, ct);
        copy.Timeout = CopyTimeout;
        return copy;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, List<BenchAccount> rows, CancellationToken ct)
    {
        var tier = StoredNames.Tier.ToText(AccountTier.Pro);
        var status = StoredNames.Status.ToText(AccountStatus.Enabled);
        var billing = StoredNames.BillingType.ToText(BillingType.Stripe);
        await using (var copy = await BeginCopyAsync(connection,
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

        await using (var copy = await BeginCopyAsync(connection,
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
        await using (var copy = await BeginCopyAsync(connection,
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

        await using (var copy = await BeginCopyAsync(connection,
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
