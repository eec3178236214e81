using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ServerlessML.Registry;

/// <summary>
/// <c>serverlessml.json</c>, the manifest of a model package (design section 4). Every field is optional;
/// without a manifest the schema comes from the ONNX graph.
/// </summary>
public sealed class ModelManifest
{
    private static readonly JsonSerializerSettings Settings = new()
    {
        MissingMemberHandling = MissingMemberHandling.Ignore,
        DateParseHandling = DateParseHandling.None,
    };

    /// <summary>binary-classification, multiclass-classification, regression or other.</summary>
    [JsonProperty("task")]
    public string? Task { get; set; }

    /// <summary>Ordered features of the instances API, mapped onto the ONNX inputs.</summary>
    [JsonProperty("features")]
    public List<FeatureSpec> Features { get; set; } = [];

    [JsonProperty("outputs")]
    public OutputRoles? Outputs { get; set; }

    [JsonProperty("positiveLabel")]
    public JToken? PositiveLabel { get; set; }

    [JsonProperty("labelColumn")]
    public string? LabelColumn { get; set; }

    [JsonProperty("sensitiveFeatures")]
    public List<string> SensitiveFeatures { get; set; } = [];

    [JsonProperty("rollout")]
    public JObject? Rollout { get; set; }

    [JsonProperty("monitoring")]
    public JObject? Monitoring { get; set; }

    [JsonProperty("logging")]
    public JObject? Logging { get; set; }

    public static ModelManifest Parse(string json)
    {
        try
        {
            return JsonConvert.DeserializeObject<ModelManifest>(json, Settings) ?? new ModelManifest();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{RegistryPaths.ManifestFileName} is not valid: {e.Message}", e);
        }
    }
}

public sealed class FeatureSpec
{
    [JsonProperty("name")]
    public string Name { get; set; } = "";

    /// <summary>float, int, string or bool.</summary>
    [JsonProperty("type")]
    public string Type { get; set; } = "float";

    [JsonProperty("min")]
    public double? Min { get; set; }

    [JsonProperty("max")]
    public double? Max { get; set; }

    [JsonProperty("categories")]
    public List<string>? Categories { get; set; }
}

/// <summary>Which ONNX outputs carry the label, the score and the class probabilities.</summary>
public sealed class OutputRoles
{
    [JsonProperty("label")]
    public string? Label { get; set; }

    [JsonProperty("score")]
    public string? Score { get; set; }

    [JsonProperty("probabilities")]
    public string? Probabilities { get; set; }
}
