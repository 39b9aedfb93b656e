namespace AccountService.Tests.Infrastructure;

/// <summary>
/// The statements an app runs on its connection pool, counted from its log: Npgsql logs each one as it completes
/// (category <c>Npgsql.Command</c>, Information), EF Core's and the caller reads' alike. The change listener's own
/// connection is not from the pool and is not counted.
/// </summary>
internal static class DatabaseStatements
{
    /// <summary>The setting that turns the lines on (the service logs <c>Npgsql</c> at Warning).</summary>
    public static readonly (string Key, string Value) Logged = ("Logging:LogLevel:Npgsql.Command", "Information");

    public static bool Is(string line) => line.Contains("Command execution completed", StringComparison.Ordinal);

    public static bool IsQuery(string line) => Is(line) && line.Contains("SELECT", StringComparison.Ordinal);

    /// <summary>
    /// Gives <paramref name="request"/> an <c>X-Request-Id</c> of its own, so that <see cref="InRequest"/> counts its
    /// statements and not those of work in the background (a key ring load, a batch of key usage).
    /// </summary>
    public static HttpRequestMessage Tagged(HttpRequestMessage request, out string requestId)
    {
        requestId = $"statements-{Guid.NewGuid():N}";
        request.Headers.Add("X-Request-Id", requestId);
        return request;
    }

    /// <summary>The statements run inside the request with this <c>X-Request-Id</c> (every line it logs carries it).</summary>
    public static IEnumerable<string> InRequest(IEnumerable<string> logs, string requestId) =>
        logs.Where(line => Is(line) && line.Contains($"RequestId={requestId}", StringComparison.Ordinal));
}
