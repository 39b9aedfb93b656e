using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace AccountService.Auth;

/// <summary>
/// What the caller presented in <c>Authorization</c>. The scheme name is case-insensitive and may be followed by
/// more than one space (RFC 9110 §11.4); exactly one header with exactly one token counts as a credential.
/// </summary>
internal readonly record struct BearerCredential(bool Presented, string? Token)
{
    private static readonly BearerCredential Missing = new(false, null);
    private static readonly BearerCredential Malformed = new(true, null);

    public bool IsJwt => Token is not null && LooksLikeJwt(Token);

    public static BearerCredential Read(HttpRequest request)
    {
        var values = request.Headers.Authorization;
        if (values.Count == 0 || (values.Count == 1 && string.IsNullOrWhiteSpace(values[0])))
        {
            return Missing;
        }

        if (values.Count > 1)
        {
            return Malformed;
        }

        var header = values[0].AsSpan().Trim();
        const string scheme = JwtBearerDefaults.AuthenticationScheme;
        if (header.Length <= scheme.Length
            || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            || header[scheme.Length] != ' ')
        {
            return Malformed;
        }

        var token = header[scheme.Length..].Trim(' ');
        return token.IsEmpty || token.ContainsAny(" \t") ? Malformed : new BearerCredential(true, token.ToString());
    }

    /// <summary>Three non-empty base64url segments: a JWS in compact form.</summary>
    private static bool LooksLikeJwt(string token)
    {
        var parts = 0;
        var segmentLength = 0;
        foreach (var c in token)
        {
            if (c == '.')
            {
                if (segmentLength == 0)
                {
                    return false;
                }

                parts++;
                segmentLength = 0;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                segmentLength++;
            }
            else
            {
                return false;
            }
        }

        return parts == 2 && segmentLength > 0;
    }
}
