using System.Reflection;
using AccountService.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

internal static class ValidatedRunExtensions
{
    /// <summary>
    /// Checks every setting before anything starts, then runs the app until it stops. As the process itself, an
    /// invalid setting ends it with one line naming the setting (<c>error: …</c>) and exit code 1; a program hosting
    /// the service in-process (the tests' factory) gets the exception instead.
    /// </summary>
    public static async Task<int> RunWithValidSettingsAsync(this WebApplication app)
    {
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
            await app.RunAsync();
        }
        catch (Exception ex) when (Assembly.GetEntryAssembly() == typeof(Program).Assembly && SelfValidation.InvalidSettings(ex) is { } invalid)
        {
            await Console.Error.WriteLineAsync($"error: {invalid}");
            return 1;
        }

        return 0;
    }
}
