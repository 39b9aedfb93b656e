using System.Text;

namespace AccountService.Server;

internal static class KestrelExtensions
{
    /// <summary>
    /// Kestrel answers a header with non-ASCII bytes with a bare 400 before any of our code runs. Decoding header values
    /// as Latin-1 lets such a request reach the pipeline, where auth rejects the credential with the envelope.
    /// </summary>
    public static IHostApplicationBuilder AddServerDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options =>
        {
            options.AddServerHeader = false;
            options.RequestHeaderEncodingSelector = _ => Encoding.Latin1;
        });
        return builder;
    }
}
