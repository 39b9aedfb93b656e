namespace AccountService.Tests.Infrastructure;

/// <summary>
/// Base of tests that talk to Stripe: each test gets a fresh <see cref="StripeStub"/> (no scripted customers, no
/// recorded calls), and points an app or a command at it with <see cref="StripeStub.Settings"/>.
/// </summary>
public abstract class StripeTest(PostgresFixture database) : IntegrationTest(database)
{
    private StripeStub? _stripe;

    internal StripeStub Stripe => _stripe ?? throw new InvalidOperationException("the Stripe stub starts with the test");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _stripe = await StripeStub.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        if (_stripe is not null)
        {
            await _stripe.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
