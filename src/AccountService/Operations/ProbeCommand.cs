using System.CommandLine;

namespace AccountService.Operations;

/// <summary>
/// <c>probe [URL]</c>: GET a health URL and exit 0 when it answers 2xx within 3 s. The runtime image has no shell or
/// curl, so the container's health check runs the service binary itself. Needs no database settings.
/// </summary>
internal static class ProbeCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var url = new Argument<string>("url")
        {
            Description = "The URL to GET.",
            DefaultValueFactory = _ => "http://127.0.0.1:8080/health/live",
        };
        var command = new Command("probe", "GET a health URL; exit 0 when it answers 2xx within 3 s.") { url };
        command.SetAction(async (parsed, ct) =>
        {
            if (!Uri.TryCreate(parsed.GetRequiredValue(url), UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
            {
                await error.WriteLineAsync($"error: not an http(s) URL: {parsed.GetRequiredValue(url)}");
                return ExitCodes.Usage;
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            try
            {
                using var response = await http.GetAsync(target, ct);
                await output.WriteLineAsync($"{(int)response.StatusCode} {target}");
                return response.IsSuccessStatusCode ? ExitCodes.Ok : ExitCodes.Failed;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await error.WriteLineAsync($"error: {target} did not answer: {ex.GetType().Name}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }
}
