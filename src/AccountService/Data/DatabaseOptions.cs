using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace AccountService.Data;

/// <summary>The connection string <c>ConnectionStrings:Accounts</c> (env <c>ConnectionStrings__Accounts</c>).</summary>
internal sealed class DatabaseOptions : IValidatableObject
{
    public const string ConnectionStringName = "Accounts";
    public const string ConfigurationKey = "ConnectionStrings:" + ConnectionStringName;

    public string? ConnectionString { get; set; }

    /// <summary>
    /// The connection string with the service's defaults filled in where it sets none: a few seconds to connect or to
    /// wait for a pooled connection (<c>Timeout</c>), a few seconds per statement (<c>Command Timeout</c>), so an
    /// unreachable or stuck database costs a request seconds, not the driver's 15 s and 30 s defaults; and, because
    /// the service runs the same few statements all day and never changes session state, statements prepared
    /// automatically (<c>Max Auto Prepare</c>) and no <c>DISCARD ALL</c> when a connection returns to the pool
    /// (<c>No Reset On Close</c>). bench/run measured those two halving PostgreSQL's CPU per request. At most
    /// <see cref="DefaultMaxPoolSize"/> connections per replica (<c>Maximum Pool Size</c>, the driver's default is
    /// 100): a burst of reads waits its turn in the pool, in order, instead of as dozens of backends taking turns on
    /// the database's cores, which on a small server stretched the slowest reads to hundreds of milliseconds; and
    /// several replicas stay within PostgreSQL's default <c>max_connections</c> (100). With several hosts
    /// (a primary and its standbys), what the driver learnt about each host (down, standby) is believed for a second
    /// (<c>Host Recheck Seconds</c>) instead of the driver's 10 s, so a promoted standby is used within about a second.
    /// </summary>
    public string EffectiveConnectionString
    {
        get
        {
            var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = ConnectionString };
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            if (!HasAny(written, "Timeout", "Connect Timeout", "Connection Timeout"))
            {
                builder.Timeout = DefaultConnectTimeoutSeconds;
            }

            if (!HasAny(written, "Command Timeout", "CommandTimeout"))
            {
                builder.CommandTimeout = DefaultCommandTimeoutSeconds;
            }

            if (!HasAny(written, "Max Auto Prepare", "MaxAutoPrepare"))
            {
                builder.MaxAutoPrepare = 20;
            }

            if (!HasAny(written, "No Reset On Close", "NoResetOnClose"))
            {
                builder.NoResetOnClose = true;
            }

            if (!HasAny(written, "Maximum Pool Size", "MaxPoolSize"))
            {
                builder.MaxPoolSize = Math.Max(DefaultMaxPoolSize, builder.MinPoolSize);
            }

            if (builder.Host?.Contains(',', StringComparison.Ordinal) == true && !HasAny(written, "Host Recheck Seconds", "HostRecheckSeconds"))
            {
                builder.HostRecheckSeconds = DefaultHostRecheckSeconds;
            }

            return builder.ConnectionString;
        }
    }

    public const int DefaultConnectTimeoutSeconds = 3;
    public const int DefaultCommandTimeoutSeconds = 5;
    public const int DefaultHostRecheckSeconds = 1;
    public const int DefaultMaxPoolSize = 16;

    private static bool HasAny(System.Data.Common.DbConnectionStringBuilder written, params string[] keys) =>
        keys.Any(written.ContainsKey);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                $"{ConfigurationKey} is required (environment variable ConnectionStrings__{ConnectionStringName}).",
                [nameof(ConnectionString)]);
            yield break;
        }

        string? error = null;
        try
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
        }

        if (error is not null)
        {
            yield return new ValidationResult(
                $"{ConfigurationKey} is not a valid PostgreSQL connection string: {error}", [nameof(ConnectionString)]);
        }
    }
}
