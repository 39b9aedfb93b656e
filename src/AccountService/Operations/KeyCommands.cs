using System.CommandLine;
using AccountService.Auth;
using AccountService.Errors;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace AccountService.Operations;

/// <summary><c>keys create</c>, <c>keys list</c>, <c>keys revoke</c>.</summary>
internal static class KeyCommands
{
    public static Command Build(OperatorCommands.Runner runner) => new("keys", "Create, list and revoke API keys.")
    {
        CreateCommand(runner),
        ListCommand(runner),
        RevokeCommand(runner),
    };

    /// <summary>
    /// Issues a key for an account, at most <see cref="ApiKeyOptions.MaxActiveKeysPerAccount"/> active at once.
    /// The account row is locked first, so concurrent creations cannot both pass the limit.
    /// </summary>
    internal static async Task<NewKey> CreateKeyAsync(OperatorContext context, string accountId, string name, CancellationToken ct)
    {
        var locked = await context.Db.Accounts
            .FromSql($"SELECT * FROM accounts WHERE id = {accountId} FOR UPDATE")
            .AsNoTracking()
            .ToListAsync(ct);
        if (locked.Count == 0)
        {
            throw new OperatorException($"account {accountId} not found");
        }

        var active = await context.Db.ApiKeys.CountAsync(k => k.AccountId == accountId && k.RevokedAt == null, ct);
        if (active >= ApiKeyOptions.MaxActiveKeysPerAccount)
        {
            throw new OperatorException(
                $"{ErrorCodes.ApiKeyLimitReached}: account {accountId} already has {active} active API keys (limit {ApiKeyOptions.MaxActiveKeysPerAccount}); revoke one first");
        }

        var (keyId, secret, key) = ApiKeyCredential.Generate();
        context.Db.ApiKeys.Add(new ApiKey
        {
            KeyId = keyId,
            AccountId = accountId,
            Name = name,
            SecretHash = context.Hasher.Hash(secret),
        });
        await context.Db.SaveChangesAsync(ct);
        return new NewKey(keyId, key);
    }

    private static Command CreateCommand(OperatorCommands.Runner runner)
    {
        var account = new Option<string>("--account") { Description = "Account id.", Required = true };
        var name = new Option<string>("--name") { Description = "What the key is for.", Required = true };
        var command = new Command("create", "Create an API key; the only time its secret is shown.") { account, name };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var input = new KeyInput(parsed.GetRequiredValue(account), parsed.GetRequiredValue(name));
            await new KeyInputValidator().ValidateAndThrowAsync(input, ct);
            context.ReportJson(await CreateKeyAsync(context, input.AccountId, input.Name, ct));
        });
        return command;
    }

    private static Command ListCommand(OperatorCommands.Runner runner)
    {
        var account = new Option<string>("--account") { Description = "Account id.", Required = true };
        var command = new Command("list", "List an account's API keys (never their secrets).") { account };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var accountId = parsed.GetRequiredValue(account);
            if (!await context.Db.Accounts.AnyAsync(a => a.Id == accountId, ct))
            {
                throw new OperatorException($"account {accountId} not found");
            }

            var keys = await context.Db.ApiKeys.AsNoTracking()
                .Where(k => k.AccountId == accountId)
                .OrderBy(k => k.CreatedAt).ThenBy(k => k.KeyId)
                .Select(k => new KeyOutput(k.KeyId, k.Name, k.CreatedAt, k.LastUsedAt, k.RevokedAt))
                .ToListAsync(ct);
            context.Report(keys, keys.Count == 0 ? "no keys" : string.Join(Environment.NewLine, keys.Select(k => k.ToLine())));
        });
        return command;
    }

    private static Command RevokeCommand(OperatorCommands.Runner runner)
    {
        var keyIdOption = new Option<string>("--key-id") { Description = "Key id (the 8 characters after ok_).", Required = true };
        var command = new Command("revoke", "Revoke an API key; it fails authentication from the next request on.") { keyIdOption };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var keyId = parsed.GetRequiredValue(keyIdOption);
            var key = ApiKeyCredential.IsKeyId(keyId)
                ? await context.Db.ApiKeys.SingleOrDefaultAsync(k => k.KeyId == keyId, ct)
                : null;
            if (key is null)
            {
                throw new OperatorException($"key {keyId} not found");
            }

            var alreadyRevoked = key.RevokedAt is not null;
            key.RevokedAt ??= context.Time.GetUtcNow();
            await context.Db.SaveChangesAsync(ct);
            context.Report(
                new { keyId, revokedAt = key.RevokedAt },
                alreadyRevoked ? $"key {keyId} was already revoked" : $"revoked key {keyId}");
        });
        return command;
    }

    internal sealed record NewKey(string KeyId, string Key);

    private sealed record KeyInput(string AccountId, string Name);

    private sealed class KeyInputValidator : AbstractValidator<KeyInput>
    {
        public KeyInputValidator()
        {
            RuleFor(k => k.AccountId).MustBeId().OverridePropertyName("--account");
            RuleFor(k => k.Name).MustBeName().OverridePropertyName("--name");
        }
    }

    private sealed record KeyOutput(
        string KeyId,
        string Name,
        DateTimeOffset CreatedAt,
        DateTimeOffset? LastUsedAt,
        DateTimeOffset? RevokedAt)
    {
        public string ToLine() =>
            $"{KeyId}  {(RevokedAt is null ? "active " : "revoked")}  created {CreatedAt:u}  last used {(LastUsedAt is { } used ? used.ToString("u", null) : "never")}  {Name}";
    }
}
