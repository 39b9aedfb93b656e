using System.Globalization;
using AccountService.Accounts;

namespace AccountService.Tests.Accounts;

public sealed class AccountMappingTests
{
    [Theory]
    [InlineData("2024-05-01T12:34:56.7890000+00:00", "2024-05-01T12:34:56.789Z")]
    [InlineData("2024-05-01T12:34:56.0071234+00:00", "2024-05-01T12:34:56.007Z")]
    [InlineData("2024-05-01T01:02:03.0400000+02:00", "2024-04-30T23:02:03.040Z")]
    [InlineData("0001-01-01T00:00:00.0000000+00:00", "0001-01-01T00:00:00.000Z")]
    [InlineData("9999-12-31T23:59:59.9999999+00:00", "9999-12-31T23:59:59.999Z")]
    public void TimestampsAreUtcWithMillisecondsTruncated(string value, string expected) =>
        Assert.Equal(expected, AccountMapping.FormatTimestamp(DateTimeOffset.Parse(value, CultureInfo.InvariantCulture)));
}
