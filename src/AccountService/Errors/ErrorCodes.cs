using System.Collections.Frozen;

namespace AccountService.Errors;

/// <summary>
/// The single table of error codes: each code's HTTP status and the page its <c>docUrl</c> points at.
/// Codes and statuses are OrbitKit's published table; SERVICE_UNAVAILABLE is ours for outages of a dependency,
/// METHOD_NOT_ALLOWED and UNSUPPORTED_MEDIA_TYPE ours for requests the framework would answer with a bare status.
/// </summary>
internal static class ErrorCodes
{
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string NotFound = "NOT_FOUND";
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string RateLimited = "RATE_LIMITED";
    public const string ApiKeyLimitReached = "API_KEY_LIMIT_REACHED";
    public const string PaymentError = "PAYMENT_ERROR";
    public const string InvalidIdempotencyKey = "INVALID_IDEMPOTENCY_KEY";
    public const string IdempotencyKeyReuse = "IDEMPOTENCY_KEY_REUSE";
    public const string InternalError = "INTERNAL_ERROR";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";

    /// <summary>
    /// The message of every 401, whatever failed, so a caller learns nothing about which part of a credential was wrong.
    /// </summary>
    public const string UnauthorizedMessage = "Missing, invalid, or expired authentication token.";

    private const string ErrorsPage = "/api/errors/";
    private const string RateLimitsPage = "/api/rate-limits/";

    private static readonly FrozenDictionary<string, ErrorCode> Table = new ErrorCode[]
    {
        new(Unauthorized, StatusCodes.Status401Unauthorized, ErrorsPage),
        new(Forbidden, StatusCodes.Status403Forbidden, ErrorsPage),
        new(NotFound, StatusCodes.Status404NotFound, ErrorsPage),
        new(ValidationFailed, StatusCodes.Status400BadRequest, ErrorsPage),
        new(RateLimited, StatusCodes.Status429TooManyRequests, RateLimitsPage),
        new("SLUG_TAKEN", StatusCodes.Status409Conflict, ErrorsPage),
        new("SLUG_RESERVED", StatusCodes.Status409Conflict, ErrorsPage),
        new("DOMAIN_IN_USE", StatusCodes.Status409Conflict, ErrorsPage),
        new("APP_LIMIT_REACHED", StatusCodes.Status400BadRequest, ErrorsPage),
        new(ApiKeyLimitReached, StatusCodes.Status400BadRequest, ErrorsPage),
        new("SUBSCRIPTION_REQUIRED", StatusCodes.Status403Forbidden, ErrorsPage),
        new("SUBSCRIPTION_EXISTS", StatusCodes.Status400BadRequest, ErrorsPage),
        new("NO_PAYMENT_METHOD", StatusCodes.Status400BadRequest, ErrorsPage),
        new("NO_ACTIVE_SUBSCRIPTION", StatusCodes.Status400BadRequest, ErrorsPage),
        new("NOT_CANCELING", StatusCodes.Status400BadRequest, ErrorsPage),
        new("ALREADY_CANCELING", StatusCodes.Status400BadRequest, ErrorsPage),
        new("SUBSCRIPTION_CANCELING", StatusCodes.Status400BadRequest, ErrorsPage),
        new("SAME_PLAN", StatusCodes.Status400BadRequest, ErrorsPage),
        new("CARD_ERROR", StatusCodes.Status400BadRequest, ErrorsPage),
        new(PaymentError, StatusCodes.Status400BadRequest, ErrorsPage),
        new("NO_STRIPE_CUSTOMER", StatusCodes.Status400BadRequest, ErrorsPage),
        new(InvalidIdempotencyKey, StatusCodes.Status400BadRequest, ErrorsPage),
        new(IdempotencyKeyReuse, StatusCodes.Status422UnprocessableEntity, ErrorsPage),
        new("CERT_CREATION_FAILED", StatusCodes.Status500InternalServerError, ErrorsPage),
        new("DEPLOY_FAILED", StatusCodes.Status500InternalServerError, ErrorsPage),
        new(InternalError, StatusCodes.Status500InternalServerError, ErrorsPage),
        new(ServiceUnavailable, StatusCodes.Status503ServiceUnavailable, ErrorsPage),
        new(MethodNotAllowed, StatusCodes.Status405MethodNotAllowed, ErrorsPage),
        new(UnsupportedMediaType, StatusCodes.Status415UnsupportedMediaType, ErrorsPage),
    }.ToFrozenDictionary(c => c.Code, StringComparer.Ordinal);

    public static IEnumerable<ErrorCode> All => Table.Values;

    public static ErrorCode Get(string code) => Table[code];

    public static bool IsKnown(string code) => Table.ContainsKey(code);
}

/// <summary>One row of <see cref="ErrorCodes"/>.</summary>
internal sealed record ErrorCode(string Code, int Status, string DocPage)
{
    /// <summary>The code's anchor on its page: lower case, <c>_</c> → <c>-</c>.</summary>
    public string Anchor => Code.ToLowerInvariant().Replace('_', '-');

    public string DocUrl(Uri docBase) => new Uri(docBase, $"{DocPage}#{Anchor}").ToString();
}
