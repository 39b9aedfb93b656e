using AccountService.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AccountService.Tests.Infrastructure;

/// <summary>The real app and pipeline over the test database; only the connection string differs.</summary>
public sealed class AccountApiFactory(string connectionString) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting(DatabaseOptions.ConfigurationKey, connectionString);
    }
}
