using System.CommandLine;
using AccountService.ApiKeys;
using AccountService.Data;
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

    /// <summary>Issues a key through the same rules as <c>POST /api/api-keys</c>; failures are the operator's one line.</summary>
    internal static async Task<NewApiKey> CreateKeyAsync(OperatorContext context, string accountId, string name, CancellationToken ct) =>
        await context.Keys.CreateAsync(accountId, name, idempotent: null, ct) switch
        {
            CreateKeyResult.Created created => created.Key,
            CreateKeyResult.AccountDisabled disabled => throw new OperatorException(
                $"{ErrorCodes.Forbidden}: account {accountId} is {StoredNames.Status.ToText(disabled.Status)}; API keys cannot be created for it"),
            CreateKeyResult.LimitReached limit => throw new OperatorException(
                $"{ErrorCodes.ApiKeyLimitReached}: account {accountId} already has {limit.Active} active API keys (limit {ApiKeyRules.MaxActiveKeysPerAccount}); revoke one first"),
            _ => throw new OperatorException($"account {accountId} not found"),
        };

    private static Command CreateCommand(OperatorCommands.Runner runner)
    {
        var account = new Option<string>("--account") { Description = "Account id.", Required = true };
        var name = new Option<string>("--name") { Description = "What the key is for.", Required = true };
        var command = new Command("create", "Create an API key; the only time its secret is shown.") { account, name };
        runner.SetAction(command, async (context, parsed, ct) =>
        {
            var input = new KeyInput(parsed.GetRequiredValue(account), parsed.GetRequiredValue(name));
            await new KeyInputValidator().ValidateAndThrowAsync(input, ct);
            var key = await CreateKeyAsync(context, input.AccountId, input.Name, ct);
            context.ReportJson(new { key.KeyId, key.Key });
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

            var keys = (await context.Keys.ListAsync(accountId, includeRevoked: true, ct)).Select(KeyOutput.From).ToList();
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
            switch (await context.Keys.RevokeAsync(keyId, accountId: null, ct))
            {
                case RevokeKeyResult.Revoked { At: var at }:
                    context.Report(new { keyId, revokedAt = at }, $"revoked key {keyId}");
                    break;
                case RevokeKeyResult.AlreadyRevoked { At: var at }:
                    context.Report(new { keyId, revokedAt = at }, $"key {keyId} was already revoked");
                    break;
                default:
                    throw new OperatorException($"key {keyId} not found");
            }
        });
        return command;
    }

    private sealed record KeyInput(string AccountId, string Name);

    private sealed class KeyInputValidator : AbstractValidator<KeyInput>
    {
        public KeyInputValidator()
        {
            RuleFor(k => k.AccountId).MustBeId().OverridePropertyName("--account");
            RuleFor(k => k.Name).MustBeKeyName().OverridePropertyName("--name");
        }
    }

    private sealed record KeyOutput(
        string KeyId,
        string Name,
        DateTimeOffset CreatedAt,
        DateTimeOffset? LastUsedAt,
        DateTimeOffset? RevokedAt)
    {
        public static KeyOutput From(ApiKeySummary key) => new(key.KeyId, key.Name, key.CreatedAt, key.LastUsedAt, key.RevokedAt);

        public string ToLine() =>
            $"{KeyId}  {(RevokedAt is null ? "active " : "revoked")}  created {CreatedAt:u}  last used {(LastUsedAt is { } used ? used.ToString("u", null) : "never")}  {Name}";
    }
}
