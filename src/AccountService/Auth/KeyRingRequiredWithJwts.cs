using AccountService.ApiKeys;
using Microsoft.Extensions.Options;

namespace AccountService.Auth;

/// <summary>
/// <see cref="KeyRingOptions.KeySetting"/> is required once API keys can be made over HTTP, which takes a user session
/// (a JWT): only then are answers holding secrets stored. Without a JWT key source nothing is encrypted and the key may
/// be left out. Registered with authentication, which knows whether JWTs are accepted.
/// </summary>
internal sealed class KeyRingRequiredWithJwts(IOptions<JwtOptions> jwt) : IValidateOptions<KeyRingOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyRingOptions options)
    {
        if (options.IsSet)
        {
            return ValidateOptionsResult.Success;
        }

        bool jwtsAccepted;
        try
        {
            jwtsAccepted = jwt.Value.HasKeySource;
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            // Invalid JWT settings stop the start on their own, in their own words.
            return ValidateOptionsResult.Skip;
        }

        return jwtsAccepted
            ? ValidateOptionsResult.Fail(
                $"{KeyRingOptions.KeySetting} is required when JWTs are accepted (API keys can then be made over HTTP): base64 of 32 random bytes, the same on every replica.")
            : ValidateOptionsResult.Success;
    }
}
