using System.Xml.Linq;
using AccountService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AccountService.ApiKeys;

/// <summary>
/// Encrypts, in place, Data Protection keys that are stored in clear: those written before
/// <c>DataProtection:KeyRingKey</c> was set (or by a replica without it). The key stays the same, so the answers it
/// protects still replay; only its stored form changes, to the one <see cref="KeyRingEncryptor"/> writes. Runs at start
/// and every ten minutes when the setting is present; an update applies only if the row is still as it was read.
/// </summary>
internal sealed partial class ClearKeyEncryption(
    IServiceScopeFactory scopes, IOptions<KeyRingOptions> options, TimeProvider time, ILogger<ClearKeyEncryption> logger)
    : BackgroundService
{
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName RequiresEncryption = DataProtection + "requiresEncryption";
    private static readonly XName EncryptedSecret = DataProtection + "encryptedSecret";

    /// <summary>Encrypts every key stored in clear; returns how many rows it rewrote.</summary>
    public async Task<int> EncryptAsync(CancellationToken ct)
    {
        var key = options.Value.KeyBytes();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AccountDbContext>();
        var rows = await db.DataProtectionKeys.AsNoTracking().Select(k => new { k.Id, k.Xml }).ToListAsync(ct);
        var rewritten = 0;
        foreach (var row in rows)
        {
            if (row.Xml is null || Encrypted(row.Xml, key) is not { } encrypted)
            {
                continue;
            }

            rewritten += await db.DataProtectionKeys
                .Where(k => k.Id == row.Id && k.Xml == row.Xml)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.Xml, encrypted), ct);
        }

        return rewritten;
    }

    /// <summary>The key's XML with each secret marked as requiring encryption sealed as Data Protection would; null when there is none.</summary>
    internal static string? Encrypted(string xml, byte[] key)
    {
        var element = XElement.Parse(xml);
        var secrets = element.Descendants().Where(e => (bool?)e.Attribute(RequiresEncryption) == true).ToList();
        if (secrets.Count == 0)
        {
            return null;
        }

        foreach (var secret in secrets)
        {
            secret.ReplaceWith(new XElement(
                EncryptedSecret,
                new XAttribute("decryptorType", typeof(KeyRingDecryptor).AssemblyQualifiedName!),
                KeyRingCipher.Seal(key, secret)));
        }

        return element.ToString(SaveOptions.DisableFormatting);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.IsSet)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(10), time);
        try
        {
            do
            {
                try
                {
                    var rewritten = await EncryptAsync(stoppingToken);
                    if (rewritten > 0)
                    {
                        LogEncrypted(logger, rewritten);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogFailed(logger, ex.GetBaseException().Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "Encrypted {Count} Data Protection key(s) that were stored in clear; backups taken before now still hold them in clear")]
    private static partial void LogEncrypted(ILogger logger, int count);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Could not check the Data Protection key ring for keys stored in clear; the next round tries again: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
