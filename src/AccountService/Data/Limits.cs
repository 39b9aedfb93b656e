namespace AccountService.Data;

/// <summary>Column sizes shared by the schema and input validation, so both agree.</summary>
internal static class Limits
{
    public const int IdLength = 64;
    public const int NameLength = 200;
    public const int ExternalIdLength = 255;
    public const int ArnLength = 2048;
}
