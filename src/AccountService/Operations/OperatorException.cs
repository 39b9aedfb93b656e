namespace AccountService.Operations;

/// <summary>An operator command failed in an expected way; the message is the one line the operator sees.</summary>
internal sealed class OperatorException(string message, int exitCode = ExitCodes.Failed) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Exit codes of the operator commands.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command was valid but could not be carried out (not found, conflict, limit, database).</summary>
    public const int Failed = 1;

    /// <summary>The command line itself was wrong (unknown option, bad value).</summary>
    public const int Usage = 2;
}
