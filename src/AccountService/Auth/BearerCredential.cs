using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace AccountService.Auth;

/// <summary>
/// What the caller presented in <c>Authorization</c>. The scheme name is case-insensitive and may be followed by
/// more than one space (RFC 9110 §11.4); exactly one header with exactly one token68 counts as a credential. Only the
/// whitespace HTTP allows around a field value (space and tab) is ignored: a vertical tab, form feed or no-break space
/// is part of the value, and makes it malformed.
/// </summary>
internal readonly record struct BearerCredential(bool Presented, string? Token)
{
    // Optional whitespace around a field value (RFC 9110 §5.6.3): space and horizontal tab, nothing else.
    private const string Ows = " \t";

    private static readonly System.Buffers.SearchValues<char> Token68Chars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");

    private static readonly BearerCredential Missing = new(false, null);
    private static readonly BearerCredential Malformed = new(true, null);

    public bool IsJwt => Token is not null && LooksLikeJwt(Token);

    public static BearerCredential Read(HttpRequest request)
    {
        var values = request.Headers.Authorization;
        if (values.Count == 0 || (values.Count == 1 && values[0].AsSpan().Trim(Ows).IsEmpty))
        {
            return Missing;
        }

        if (values.Count > 1)
        {
            return Malformed;
        }

        var header = values[0].AsSpan().Trim(Ows);
        const string scheme = JwtBearerDefaults.AuthenticationScheme;
        if (header.Length <= scheme.Length
            || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            || header[scheme.Length] != ' ')
        {
            return Malformed;
        }

        var token = header[scheme.Length..].TrimStart(' ');
        return token.IsEmpty || !IsToken68(token) ? Malformed : new BearerCredential(true, token.ToString());
    }

    /// <summary>RFC 9110 §11.2: <c>1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="</c>.</summary>
    private static bool IsToken68(ReadOnlySpan<char> token)
    {
        var end = token.TrimEnd('=').Length;
        return end > 0 && !token[..end].ContainsAnyExcept(Token68Chars);
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
