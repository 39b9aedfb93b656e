using System.Reflection;
using Microsoft.Extensions.Logging;

namespace AccountService.Tests.Errors;

/// <summary>Every log message of the service has an event id of its own, so operators can filter and alert on one.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void NoTwoLogMessagesShareAnEventId()
    {
        var messages = typeof(Program).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();

        var shared = messages
            .GroupBy(x => x.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => $"{x.Method.DeclaringType!.Name}.{x.Method.Name}"))}");

        Assert.True(messages.Count > 20, $"only {messages.Count} log messages found");
        Assert.Empty(shared);
    }
}
