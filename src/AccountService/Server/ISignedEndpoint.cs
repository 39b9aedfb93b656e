namespace AccountService.Server;

/// <summary>
/// Endpoint metadata for a route whose requests prove themselves by a signature instead of a bearer credential
/// (Stripe's webhook). A request whose signature holds spends no per-IP budget; one whose signature fails is counted
/// like any other request without a valid credential.
/// </summary>
internal interface ISignedEndpoint
{
    ValueTask<bool> IsSignedAsync(HttpContext context);
}
