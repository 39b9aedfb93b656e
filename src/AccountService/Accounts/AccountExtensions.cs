using AccountService.Accounts;
using Microsoft.AspNetCore.Http.Json;

namespace Microsoft.Extensions.DependencyInjection;

internal static class AccountExtensions
{
    /// <summary>The account lookup and the source-generated JSON of the account endpoints.</summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<JsonOptions>(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, AccountJsonContext.Default));
        return builder;
    }
}
