using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace AccountService.Data;

/// <summary>The connection string <c>ConnectionStrings:Accounts</c> (env <c>ConnectionStrings__Accounts</c>).</summary>
internal sealed class DatabaseOptions : IValidatableObject
{
    public const string ConnectionStringName = "Accounts";
    public const string ConfigurationKey = "ConnectionStrings:" + ConnectionStringName;

    public string? ConnectionString { get; set; }

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
