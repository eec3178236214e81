using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ServerlessML.DevHost.Configuration;

/// <summary>The parts of <c>host.json</c> that DevHost applies.</summary>
public sealed class HostConfiguration
{
    /// <summary>extensions.http.routePrefix; the Functions default is "api".</summary>
    public string RoutePrefix { get; init; } = "api";

    /// <summary>functionTimeout; null means no limit.</summary>
    public TimeSpan? FunctionTimeout { get; init; }

    /// <summary>extensions.blobs.poisonBlobThreshold: failed attempts before a blob goes to the poison list (default 5).</summary>
    public int PoisonBlobThreshold { get; init; } = 5;

    /// <summary>extensions.blobs.maxDegreeOfParallelism: blob invocations at once (default 8).</summary>
    public int BlobMaxDegreeOfParallelism { get; init; } = 8;

    public static HostConfiguration Default { get; } = new();

    /// <summary>Reads host.json from the app folder; defaults when it is missing.</summary>
    public static HostConfiguration LoadFrom(string appDirectory)
    {
        string path = Path.Combine(appDirectory, "host.json");
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : Default;
    }

    public static HostConfiguration Parse(string json, string sourcePath)
    {
        JObject root;
        try
        {
            root = JObject.Parse(json, new JsonLoadSettings { CommentHandling = CommentHandling.Ignore });
        }
        catch (JsonReaderException e)
        {
            throw new InvalidDataException($"{sourcePath} is not valid JSON: {e.Message}", e);
        }

        var extensions = root.GetValue("extensions", StringComparison.OrdinalIgnoreCase) as JObject;
        var http = extensions?.GetValue("http", StringComparison.OrdinalIgnoreCase) as JObject;
        var blobs = extensions?.GetValue("blobs", StringComparison.OrdinalIgnoreCase) as JObject;

        string? timeout = root.GetValue("functionTimeout", StringComparison.OrdinalIgnoreCase)?.Value<string>();
        TimeSpan? functionTimeout = null;
        if (!string.IsNullOrEmpty(timeout) && timeout != "-1")
        {
            functionTimeout = TimeSpan.TryParse(timeout, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero
                ? parsed
                : throw new InvalidDataException($"{sourcePath}: functionTimeout '{timeout}' is not a positive hh:mm:ss time span (or -1 for none).");
        }

        return new HostConfiguration
        {
            RoutePrefix = (http?.GetValue("routePrefix", StringComparison.OrdinalIgnoreCase)?.Value<string>() ?? Default.RoutePrefix).Trim('/'),
            FunctionTimeout = functionTimeout,
            PoisonBlobThreshold = PositiveInt(blobs, "poisonBlobThreshold", Default.PoisonBlobThreshold, sourcePath),
            BlobMaxDegreeOfParallelism = PositiveInt(blobs, "maxDegreeOfParallelism", Default.BlobMaxDegreeOfParallelism, sourcePath),
        };
    }

    private static int PositiveInt(JObject? section, string name, int fallback, string sourcePath)
    {
        var token = section?.GetValue(name, StringComparison.OrdinalIgnoreCase);
        if (token is null)
        {
            return fallback;
        }

        return token.Type == JTokenType.Integer && token.Value<int>() > 0
            ? token.Value<int>()
            : throw new InvalidDataException($"{sourcePath}: extensions.blobs.{name} must be a positive integer, found '{token}'.");
    }
}
