using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AccountService.Auth;

/// <summary>
/// JsonWebTokenHandler that remembers tokens it has found valid, so a caller presenting the same JWT again is not
/// re-verified on every request (a signature check costs more than the rest of the request). A token is remembered
/// by its exact text, at most until it expires and at most <see cref="MaxReuse"/>, so a signing key withdrawn from
/// the JWKS stops being honoured within that. Failed validations are never remembered.
/// </summary>
internal sealed class CachingJsonWebTokenHandler(int capacity, TimeProvider time) : JsonWebTokenHandler, IDisposable
{
    public static readonly TimeSpan MaxReuse = TimeSpan.FromMinutes(5);

    private readonly MemoryCache _valid = new(new MemoryCacheOptions { SizeLimit = capacity, CompactionPercentage = 0.10 });

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_valid.TryGetValue(token, out var known) && known is TokenValidationResult result)
        {
            return result;
        }

        result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } validated)
        {
            var until = new DateTimeOffset(validated.ValidTo, TimeSpan.Zero);
            var cap = time.GetUtcNow() + MaxReuse;
            if (until > time.GetUtcNow())
            {
                _valid.Set(token, result, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = until < cap ? until : cap });
            }
        }

        return result;
    }

    public void Dispose() => _valid.Dispose();
}
