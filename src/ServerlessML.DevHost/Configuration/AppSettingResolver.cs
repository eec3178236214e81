using System.Text.RegularExpressions;

namespace ServerlessML.DevHost.Configuration;

/// <summary>
/// Resolves <c>%Name%</c> tokens in binding properties (timer schedules, blob paths) from the app
/// settings, then from the environment, as the Functions host does.
/// </summary>
public sealed partial class AppSettingResolver(IReadOnlyDictionary<string, string> settings)
{
    public string? GetSetting(string name)
    {
        if (settings.TryGetValue(name, out string? value))
        {
            return value;
        }

        // Settings that hold a section separator are also reachable with ':' (Serving:X == Serving__X).
        if (name.Contains(':', StringComparison.Ordinal) && settings.TryGetValue(name.Replace(":", "__", StringComparison.Ordinal), out value))
        {
            return value;
        }

        return Environment.GetEnvironmentVariable(name);
    }

    /// <summary>Replaces every <c>%Name%</c>; throws naming the setting when one has no value.</summary>
    public string Resolve(string template, string usedFor)
    {
        ArgumentNullException.ThrowIfNull(template);
        return SettingToken().Replace(template, match =>
        {
            string name = match.Groups[1].Value;
            return GetSetting(name) is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException(
                    $"{usedFor} refers to app setting '%{name}%', which has no value. Add \"{name}\" to the Values of local.settings.json.");
        });
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingToken();
}
