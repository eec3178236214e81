namespace ServerlessML.DevHost.Storage;

/// <summary>The <c>UseDevelopmentStorage=true</c> shorthand and how DevHost points it at the Azurite in use.</summary>
public static class DevelopmentStorage
{
    public const string Shorthand = "UseDevelopmentStorage=true";

    /// <summary>The ports the shorthand means: Azurite's defaults.</summary>
    public const int DefaultBlobPort = 10000;

    public const int DefaultQueuePort = 10001;

    public const int DefaultTablePort = 10002;

    public static bool IsShorthand(string? value) =>
        value is not null && value.Trim().TrimEnd(';').Equals(Shorthand, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Returns a copy of <paramref name="settings"/> where every <c>UseDevelopmentStorage=true</c> value is
    /// replaced by <paramref name="connectionString"/>, so the worker and DevHost reach the Azurite in use
    /// even when it does not listen on the default ports.
    /// </summary>
    public static Dictionary<string, string> PointAt(IReadOnlyDictionary<string, string> settings, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in settings)
        {
            result[name] = IsShorthand(value) ? connectionString : value;
        }

        return result;
    }
}
