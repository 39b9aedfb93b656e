using AccountService.Billing;

namespace AccountService.Tests.Billing;

public sealed class SubscriptionSyncMappingTests
{
    [Theory]
    [InlineData("day")]
    [InlineData("week")]
    [InlineData(null)]
    public void IntervalsWithoutAnOrbitKitPlanLeaveThePlanAlone(string? interval) => Assert.Null(SubscriptionSync.PlanOf(interval));

    [Theory]
    [InlineData("something_new")]
    [InlineData(null)]
    public void UnknownStripeStatusesLeaveTheStatusAlone(string? status) => Assert.Null(SubscriptionSync.StatusOf(status));
}
