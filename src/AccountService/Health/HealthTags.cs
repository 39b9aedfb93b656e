namespace AccountService.Health;

internal static class HealthTags
{
    /// <summary>Checks that must pass before the instance takes traffic.</summary>
    public const string Ready = "ready";
}
