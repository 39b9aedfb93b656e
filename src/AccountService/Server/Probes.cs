namespace AccountService.Server;

/// <summary>
/// An endpoint that reports on the instance itself (the health probes): never shed under load and never rate
/// limited, so an overloaded or busy instance still answers its orchestrator. Declared once per endpoint with
/// <see cref="Probes.AsProbe{TBuilder}"/>; <see cref="LoadShedding"/> and the rate limiter read it.
/// </summary>
internal sealed class ProbeMetadata
{
    public static readonly ProbeMetadata Instance = new();

    private ProbeMetadata()
    {
    }
}

internal static class Probes
{
    public static TBuilder AsProbe<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ProbeMetadata.Instance);

    public static bool IsProbe(this HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<ProbeMetadata>() is not null;
}
