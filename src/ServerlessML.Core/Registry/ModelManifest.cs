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

    /// <summary>How a new version reaches traffic; without it, <see cref="RolloutStrategies.Immediate"/>.</summary>
    [JsonProperty("rollout")]
    public RolloutSpec? Rollout { get; set; }

    /// <summary>Thresholds that override the monitoring defaults (design section 7).</summary>
    [JsonProperty("monitoring")]
    public MonitoringThresholds? Monitoring { get; set; }

    /// <summary>What the prediction log keeps: a sample, with fields excluded or hashed before they are stored.</summary>
    [JsonProperty("logging")]
    public LoggingSpec? Logging { get; set; }

    /// <summary>The top-level field names a manifest may have, for errors that list them.</summary>
    public static IReadOnlyList<string> FieldNames { get; } =
        ["task", "features", "outputs", "positiveLabel", "labelColumn", "sensitiveFeatures", "rollout", "monitoring", "logging"];

    /// <summary>The rollout strategy this manifest asks for, the default when it names none.</summary>
    [JsonIgnore]
    public string Strategy => Rollout?.Strategy ?? RolloutStrategies.Immediate;

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

/// <summary>The values of <see cref="ModelManifest.Task"/>.</summary>
public static class ModelTasks
{
    public const string BinaryClassification = "binary-classification";
    public const string MulticlassClassification = "multiclass-classification";
    public const string Regression = "regression";
    public const string Other = "other";

    public static IReadOnlyList<string> All { get; } = [BinaryClassification, MulticlassClassification, Regression, Other];
}

/// <summary>The values of <see cref="FeatureSpec.Type"/>.</summary>
public static class FeatureTypes
{
    public const string Float = "float";
    public const string Int = "int";
    public const string String = "string";
    public const string Bool = "bool";

    public static IReadOnlyList<string> All { get; } = [Float, Int, String, Bool];

    /// <summary>Numeric features are profiled by distribution (mean, deciles); the others by category counts.</summary>
    public static bool IsNumeric(string type) => type is Float or Int;
}

/// <summary>The values of <see cref="RolloutSpec.Strategy"/>.</summary>
public static class RolloutStrategies
{
    /// <summary>The new version becomes production at once.</summary>
    public const string Immediate = "immediate";

    /// <summary>The new version gets <see cref="RolloutSpec.Percent"/> of the requests until it is promoted or rolled back.</summary>
    public const string Canary = "canary";

    /// <summary>The new version gets a copy of production requests; its answers are logged, never returned.</summary>
    public const string Shadow = "shadow";

    /// <summary>The new version is ready but gets no traffic until someone promotes it.</summary>
    public const string Manual = "manual";

    public static IReadOnlyList<string> All { get; } = [Immediate, Canary, Shadow, Manual];
}

/// <summary><c>rollout</c> of the manifest.</summary>
public sealed class RolloutSpec
{
    public const double DefaultCanaryPercent = 10;

    [JsonProperty("strategy")]
    public string Strategy { get; set; } = RolloutStrategies.Immediate;

    /// <summary>Share of requests for a canary, 0 to 100; <see cref="DefaultCanaryPercent"/> when absent.</summary>
    [JsonProperty("percent", NullValueHandling = NullValueHandling.Ignore)]
    public double? Percent { get; set; }

    /// <summary>The budget the canary judge compares the canary with production against.</summary>
    [JsonProperty("promoteAfter", NullValueHandling = NullValueHandling.Ignore)]
    public PromotionBudget? PromoteAfter { get; set; }
}

/// <summary><c>rollout.promoteAfter</c>: a canary is promoted once it has served enough requests within these limits.</summary>
public sealed class PromotionBudget
{
    [JsonProperty("minRequests", NullValueHandling = NullValueHandling.Ignore)]
    public long? MinRequests { get; set; }

    /// <summary>Largest error rate of the canary, 0 to 1.</summary>
    [JsonProperty("maxErrorRate", NullValueHandling = NullValueHandling.Ignore)]
    public double? MaxErrorRate { get; set; }

    /// <summary>Largest ratio of the canary's latency to production's (p95).</summary>
    [JsonProperty("maxLatencyRatio", NullValueHandling = NullValueHandling.Ignore)]
    public double? MaxLatencyRatio { get; set; }

    /// <summary>Largest drift between the canary's and production's predictions.</summary>
    [JsonProperty("maxPredictionDrift", NullValueHandling = NullValueHandling.Ignore)]
    public double? MaxPredictionDrift { get; set; }
}

/// <summary>
/// <c>monitoring</c> of the manifest: thresholds that override the defaults of design section 7. Fields
/// this version does not know are kept in <see cref="Other"/> (they must be numbers), so the monitoring
/// job can add thresholds without a manifest change.
/// </summary>
public sealed class MonitoringThresholds
{
    /// <summary>Drift when a test's p-value is at most this (default 0.05).</summary>
    [JsonProperty("pValue", NullValueHandling = NullValueHandling.Ignore)]
    public double? PValue { get; set; }

    /// <summary>Drift when the normed Wasserstein distance is at least this (default 0.1).</summary>
    [JsonProperty("wasserstein", NullValueHandling = NullValueHandling.Ignore)]
    public double? Wasserstein { get; set; }

    /// <summary>Drift when the Jensen-Shannon distance is at least this (default 0.1).</summary>
    [JsonProperty("jensenShannon", NullValueHandling = NullValueHandling.Ignore)]
    public double? JensenShannon { get; set; }

    /// <summary>Drift when the population stability index is at least this (default 0.2).</summary>
    [JsonProperty("psi", NullValueHandling = NullValueHandling.Ignore)]
    public double? Psi { get; set; }

    /// <summary>Dataset drift when at least this share of the features drifted (default 0.5).</summary>
    [JsonProperty("driftShare", NullValueHandling = NullValueHandling.Ignore)]
    public double? DriftShare { get; set; }

    /// <summary>Fewer rows than this in a window give "insufficient data" instead of a number.</summary>
    [JsonProperty("minSampleSize", NullValueHandling = NullValueHandling.Ignore)]
    public long? MinSampleSize { get; set; }

    /// <summary>A binary classifier's row is positive when its positive-class probability is at least this (default 0.5).</summary>
    [JsonProperty("decisionThreshold", NullValueHandling = NullValueHandling.Ignore)]
    public double? DecisionThreshold { get; set; }

    /// <summary>Largest demographic parity difference between groups (default 0.1).</summary>
    [JsonProperty("maxDemographicParityDifference", NullValueHandling = NullValueHandling.Ignore)]
    public double? MaxDemographicParityDifference { get; set; }

    /// <summary>Largest equalized odds difference, worst case of TPR and FPR (default 0.1).</summary>
    [JsonProperty("maxEqualizedOddsDifference", NullValueHandling = NullValueHandling.Ignore)]
    public double? MaxEqualizedOddsDifference { get; set; }

    /// <summary>Largest equal opportunity (TPR) difference (default 0.1).</summary>
    [JsonProperty("maxEqualOpportunityDifference", NullValueHandling = NullValueHandling.Ignore)]
    public double? MaxEqualOpportunityDifference { get; set; }

    /// <summary>Smallest disparate impact, a group's selection rate over the reference group's (default 0.8, the four-fifths rule).</summary>
    [JsonProperty("minDisparateImpact", NullValueHandling = NullValueHandling.Ignore)]
    public double? MinDisparateImpact { get; set; }

    /// <summary>A group's rate resting on fewer rows (labelled positives for TPR, negatives for FPR) is flagged instead of judged (default 30).</summary>
    [JsonProperty("fairnessMinGroupSize", NullValueHandling = NullValueHandling.Ignore)]
    public int? FairnessMinGroupSize { get; set; }

    /// <summary>The reference group of disparate impact per sensitive feature (default: the group with the highest selection rate).</summary>
    [JsonProperty("disparateImpactReference", NullValueHandling = NullValueHandling.Ignore)]
    public Dictionary<string, string>? DisparateImpactReference { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JToken> Other { get; set; } = new Dictionary<string, JToken>();
}

/// <summary><c>logging</c> of the manifest.</summary>
public sealed class LoggingSpec
{
    /// <summary>Share of predictions logged, 0 to 1 (default 1).</summary>
    [JsonProperty("sampleRate", NullValueHandling = NullValueHandling.Ignore)]
    public double? SampleRate { get; set; }

    /// <summary>Request fields never stored.</summary>
    [JsonProperty("exclude")]
    public List<string> Exclude { get; set; } = [];

    /// <summary>Request fields stored only as a hash.</summary>
    [JsonProperty("hash")]
    public List<string> Hash { get; set; } = [];
}
