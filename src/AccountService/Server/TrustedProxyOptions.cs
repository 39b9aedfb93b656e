using System.ComponentModel.DataAnnotations;
using System.Net;

namespace AccountService.Server;

/// <summary>Settings under <c>ForwardedHeaders</c>: the gateways whose X-Forwarded-* headers are believed.</summary>
internal sealed class TrustedProxyOptions : IValidatableObject
{
    public const string Section = "ForwardedHeaders";

    /// <summary>IP addresses of the proxies in front of the service; empty means no forwarded header is honoured.</summary>
    public List<string> KnownProxies { get; set; } = [];

    public IEnumerable<IPAddress> Addresses => KnownProxies.Select(IPAddress.Parse);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies)
        {
            if (!IPAddress.TryParse(proxy, out _))
            {
                yield return new ValidationResult($"{Section}:KnownProxies contains '{proxy}', which is not an IP address.");
            }
        }
    }
}
