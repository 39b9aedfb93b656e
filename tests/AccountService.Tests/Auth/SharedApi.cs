using AccountService.Tests.Infrastructure;

namespace AccountService.Tests.Auth;

/// <summary>One app on a real Kestrel socket, shared by a test class whose tests need no settings of their own.</summary>
public sealed class SharedApi : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private AccountApiFactory? _factory;
    private HttpClient? _client;

    internal (AccountApiFactory Factory, HttpClient Client) Get(string connectionString)
    {
        lock (_gate)
        {
            if (_factory is null)
            {
                _factory = new AccountApiFactory(connectionString);
                _client = _factory.StartKestrel();
            }

            return (_factory, _client!);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }
}
