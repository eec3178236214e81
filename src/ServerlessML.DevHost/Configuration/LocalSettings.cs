using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ServerlessML.DevHost.Configuration;

/// <summary>
/// The app settings of a local run, read from <c>local.settings.json</c> in the format Azure Functions
/// Core Tools uses (<c>Values</c>, <c>ConnectionStrings</c>, <c>Host</c>). DevHost also reads two keys of
/// its own from <c>Host</c>: <c>FunctionKey</c> and <c>MasterKey</c> (Core Tools ignores unknown keys there).
/// </summary>
public sealed class LocalSettings
{
    public const string FileName = "local.settings.json";

    public const string SampleFileName = "local.settings.sample.json";

    private LocalSettings(string? sourcePath, IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, string> connectionStrings, JObject host)
    {
        SourcePath = sourcePath;
        Values = values;
        ConnectionStrings = connectionStrings;
        LocalHttpPort = host.Value<int?>("LocalHttpPort");
        FunctionKey = NullIfEmpty(host.Value<string>("FunctionKey"));
        MasterKey = NullIfEmpty(host.Value<string>("MasterKey"));
    }

    /// <summary>The file the settings came from; null when there was none.</summary>
    public string? SourcePath { get; }

    /// <summary>The <c>Values</c> section: app settings, passed to the worker as environment variables.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>The <c>ConnectionStrings</c> section (passed as <c>ConnectionStrings__{name}</c>).</summary>
    public IReadOnlyDictionary<string, string> ConnectionStrings { get; }

    public int? LocalHttpPort { get; }

    public string? FunctionKey { get; }

    public string? MasterKey { get; }

    public static LocalSettings Empty { get; } = new(null, new Dictionary<string, string>(), new Dictionary<string, string>(), []);

    /// <summary>
    /// Reads <c>local.settings.json</c> from <paramref name="folder"/>, or <c>local.settings.sample.json</c>
    /// when the first is missing; returns <see cref="Empty"/> when neither exists.
    /// </summary>
    public static LocalSettings LoadFrom(string folder)
    {
        foreach (string name in new[] { FileName, SampleFileName })
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return Load(path);
            }
        }

        return Empty;
    }

    public static LocalSettings Load(string path) => Parse(File.ReadAllText(path), path);

    public static LocalSettings Parse(string json, string sourcePath)
    {
        JObject root;
        try
        {
            root = JObject.Parse(json);
        }
        catch (JsonReaderException e)
        {
            throw new InvalidDataException($"{sourcePath} is not valid JSON: {e.Message}", e);
        }

        if (root.Value<bool?>("IsEncrypted") == true)
        {
            throw new InvalidDataException(
                $"{sourcePath} says IsEncrypted: true. DevHost reads plain settings only: write the values in clear (the file is git-ignored) and set IsEncrypted to false.");
        }

        return new LocalSettings(sourcePath, ReadStringMap(root, "Values", sourcePath), ReadStringMap(root, "ConnectionStrings", sourcePath), root["Host"] as JObject ?? []);
    }

    private static Dictionary<string, string> ReadStringMap(JObject root, string section, string sourcePath)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (root[section] is not { } token || token.Type == JTokenType.Null)
        {
            return result;
        }

        if (token is not JObject map)
        {
            throw new InvalidDataException($"{sourcePath}: '{section}' must be an object of name/value pairs, found {token.Type}.");
        }

        foreach (var property in map.Properties())
        {
            result[property.Name] = property.Value.Type switch
            {
                JTokenType.String => (string)property.Value!,
                JTokenType.Integer or JTokenType.Float or JTokenType.Boolean => property.Value.ToString(Formatting.None),
                JTokenType.Null => "",
                _ => throw new InvalidDataException(
                    $"{sourcePath}: '{section}.{property.Name}' must be a string, number or boolean, found {property.Value.Type}."),
            };
        }

        return result;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
