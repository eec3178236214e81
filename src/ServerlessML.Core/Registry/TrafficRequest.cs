using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;

namespace ServerlessML.Registry;

/// <summary>
/// Reads the management API's traffic bodies: <c>{"production": "2", "canary": {"version": "3", "percent": 10}, "shadow": null}</c>
/// (a member set to null clears it, a missing member leaves it) and <c>{"version": "3"}</c> for promote.
/// </summary>
public static class TrafficRequest
{
    public static async Task<TrafficChange> ReadAsync(Stream body, CancellationToken cancellationToken = default)
    {
        var json = await ReadObjectAsync(body, cancellationToken).ConfigureAwait(false)
            ?? throw ServingException.BadRequest("The traffic body is empty: expected {\"production\": \"v\", \"canary\": {\"version\": \"v\", \"percent\": 10}, \"shadow\": \"v\"}.");
        foreach (var property in json.Properties())
        {
            if (property.Name is not ("production" or "canary" or "shadow"))
            {
                throw ServingException.BadRequest($"Unknown traffic field '{property.Name}': expected production, canary or shadow.");
            }
        }

        CanaryPolicy? canary = null;
        if (json["canary"] is JObject canaryJson)
        {
            string version = Text(canaryJson["version"], "canary.version")
                ?? throw ServingException.BadRequest("canary.version is missing: name the version that takes the canary share.");
            canary = canaryJson["percent"] is { Type: JTokenType.Integer or JTokenType.Float } percent
                ? new CanaryPolicy { Version = version, Percent = percent.Value<double>() }
                : throw ServingException.BadRequest($"canary.percent is {Describe(canaryJson["percent"])}: expected a number from 0 to 100.");
        }
        else if (json["canary"] is { Type: not JTokenType.Null } other)
        {
            throw ServingException.BadRequest($"canary is {Describe(other)}: expected {{\"version\": \"v\", \"percent\": 10}} or null.");
        }

        return new TrafficChange
        {
            Production = json.TryGetValue("production", out var production) && production.Type == JTokenType.Null
                ? throw ServingException.BadRequest("production cannot be null: a model always has a production version once it has one.")
                : Text(production, "production"),
            Canary = canary,
            ClearCanary = json.TryGetValue("canary", out var c) && c.Type == JTokenType.Null,
            Shadow = Text(json["shadow"], "shadow"),
            ClearShadow = json.TryGetValue("shadow", out var s) && s.Type == JTokenType.Null,
        };
    }

    /// <summary>The optional <c>{"version": "..."}</c> of a promote request; null when the body is empty.</summary>
    public static async Task<string?> ReadVersionAsync(Stream body, CancellationToken cancellationToken = default)
    {
        var json = await ReadObjectAsync(body, cancellationToken).ConfigureAwait(false);
        return json is null ? null : Text(json["version"], "version");
    }

    private static async Task<JObject?> ReadObjectAsync(Stream body, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, leaveOpen: true);
        string text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JToken.Parse(text) as JObject ?? throw ServingException.BadRequest("The body must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw ServingException.BadRequest($"The body is not valid JSON: {e.Message}");
        }
    }

    private static string? Text(JToken? token, string field) => token switch
    {
        null or { Type: JTokenType.Null } => null,
        { Type: JTokenType.String } => (string?)token,
        _ => throw ServingException.BadRequest($"{field} is {Describe(token)}: expected a version string."),
    };

    private static string Describe(JToken? token) => token is null ? "missing" : $"{token.Type.ToString().ToLowerInvariant()} {token.ToString(Formatting.None)}";
}
