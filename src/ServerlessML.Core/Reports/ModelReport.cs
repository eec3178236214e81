using Newtonsoft.Json;
using ServerlessML.Fairness;
using ServerlessML.Monitoring;

namespace ServerlessML.Reports;

/// <summary>report.json: one model's monitoring report over a window, every figure with its sample size.</summary>
public sealed class ModelReport
{
    public const int CurrentSchemaVersion = 1;

    [JsonProperty("schemaVersion")]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    [JsonProperty("model")]
    public string Model { get; set; } = "";

    [JsonProperty("generatedUtc")]
    public DateTimeOffset GeneratedUtc { get; set; }

    [JsonProperty("window")]
    public ReportWindow Window { get; set; } = new();

    [JsonProperty("configuration")]
    public ReportConfiguration Configuration { get; set; } = new();

    /// <summary>Every figure past its threshold, in words first; the HTML page opens with these.</summary>
    [JsonProperty("breaches")]
    public List<ThresholdBreach> Breaches { get; set; } = [];

    [JsonProperty("versions")]
    public List<VersionReport> Versions { get; set; } = [];

    /// <summary>The canary compared with production against its budget, and what was done; null without a canary.</summary>
    [JsonProperty("canary")]
    public CanaryJudgement? Canary { get; set; }
}

public sealed class ReportWindow
{
    [JsonProperty("from")]
    public DateTimeOffset From { get; set; }

    [JsonProperty("to")]
    public DateTimeOffset To { get; set; }

    /// <summary>Completed hours read from their stored aggregates.</summary>
    [JsonProperty("storedHours")]
    public int StoredHours { get; set; }

    /// <summary>Completed hours aggregated (or re-aggregated for new labels) by this run and stored.</summary>
    [JsonProperty("aggregatedHours")]
    public int AggregatedHours { get; set; }

    /// <summary>Incomplete hours at the window's edges, computed live and not stored.</summary>
    [JsonProperty("liveSegments")]
    public int LiveSegments { get; set; }
}

public sealed class ReportConfiguration
{
    [JsonProperty("window")]
    public TimeSpan Window { get; set; }

    [JsonProperty("labelHorizon")]
    public TimeSpan LabelHorizon { get; set; }

    /// <summary>How labels that arrive after their hour was aggregated are counted.</summary>
    [JsonProperty("lateLabels")]
    public string LateLabels { get; set; } = "";

    [JsonProperty("predictionDriftBaseline")]
    public string PredictionDriftBaseline { get; set; } = "the previous window of the same length";
}

/// <summary>A figure past its threshold, with a sentence a non-engineer reads.</summary>
public sealed class ThresholdBreach
{
    [JsonProperty("version")]
    public string Version { get; set; } = "";

    /// <summary>drift, dataset drift, prediction drift or fairness.</summary>
    [JsonProperty("area")]
    public string Area { get; set; } = "";

    /// <summary>The feature, or the groups, concerned.</summary>
    [JsonProperty("subject")]
    public string Subject { get; set; } = "";

    [JsonProperty("figure")]
    public string Figure { get; set; } = "";

    [JsonProperty("value")]
    public double Value { get; set; }

    [JsonProperty("threshold")]
    public double Threshold { get; set; }

    /// <summary>Current observations behind the figure.</summary>
    [JsonProperty("n")]
    public long N { get; set; }

    [JsonProperty("certainty")]
    public string Certainty { get; set; } = "";

    [JsonProperty("sentence")]
    public string Sentence { get; set; } = "";
}

public sealed class VersionReport
{
    [JsonProperty("version")]
    public string Version { get; set; } = "";

    /// <summary>SHA-256 of the version's model.onnx, as deployed.</summary>
    [JsonProperty("modelSha256")]
    public string? ModelSha256 { get; set; }

    [JsonProperty("task")]
    public string? Task { get; set; }

    [JsonProperty("thresholds")]
    public VersionThresholds Thresholds { get; set; } = new();

    [JsonProperty("operations")]
    public Dictionary<string, RouteReport> Operations { get; set; } = new(StringComparer.Ordinal);

    [JsonProperty("rows")]
    public long Rows { get; set; }

    [JsonProperty("dataQuality")]
    public Dictionary<string, FeatureQualityReport> DataQuality { get; set; } = new(StringComparer.Ordinal);

    /// <summary>reference profile, previous window, or none.</summary>
    [JsonProperty("driftBaseline")]
    public string DriftBaseline { get; set; } = "";

    [JsonProperty("drift", NullValueHandling = NullValueHandling.Ignore)]
    public DatasetDriftResult? Drift { get; set; }

    [JsonProperty("predictionDrift")]
    public List<FeatureDriftResult> PredictionDrift { get; set; } = [];

    /// <summary>Reference against current counts per feature, for the charts.</summary>
    [JsonProperty("distributions")]
    public List<Distribution> Distributions { get; set; } = [];

    [JsonProperty("performance")]
    public PerformanceReport Performance { get; set; } = new();

    [JsonProperty("fairness", NullValueHandling = NullValueHandling.Ignore)]
    public FairnessReport? Fairness { get; set; }

    [JsonProperty("notes")]
    public List<string> Notes { get; set; } = [];
}

public sealed class VersionThresholds
{
    [JsonProperty("drift")]
    public DriftOptions Drift { get; set; } = new();

    [JsonProperty("fairness", NullValueHandling = NullValueHandling.Ignore)]
    public FairnessThresholds? Fairness { get; set; }

    [JsonProperty("fairnessMinGroupSize", NullValueHandling = NullValueHandling.Ignore)]
    public int? FairnessMinGroupSize { get; set; }
}

public sealed class RouteReport
{
    [JsonProperty("requests")]
    public long Requests { get; set; }

    [JsonProperty("estimatedRequests")]
    public double EstimatedRequests { get; set; }

    [JsonProperty("errors")]
    public long Errors { get; set; }

    /// <summary>Errors over requests; n is <see cref="Requests"/>.</summary>
    [JsonProperty("errorRate")]
    public Rate ErrorRate { get; set; }

    [JsonProperty("latencyMs")]
    public QuantileSummary Latency { get; set; } = new(0, null, null, null, null, null, QuantileSketch.DefaultRelativeAccuracy);
}

public sealed class FeatureQualityReport
{
    [JsonProperty("nullRate")]
    public Rate NullRate { get; set; }

    [JsonProperty("typeErrorRate")]
    public Rate TypeErrorRate { get; set; }

    [JsonProperty("outOfRangeRate")]
    public Rate OutOfRangeRate { get; set; }

    [JsonProperty("unseenCategoryRate")]
    public Rate UnseenCategoryRate { get; set; }
}

/// <summary>A feature's (or the prediction's) counts per bin or category, reference against current.</summary>
public sealed class Distribution
{
    [JsonProperty("feature")]
    public string Feature { get; set; } = "";

    [JsonProperty("bins")]
    public List<string> Bins { get; set; } = [];

    [JsonProperty("reference")]
    public List<long> Reference { get; set; } = [];

    [JsonProperty("current")]
    public List<long> Current { get; set; } = [];
}

public sealed class PerformanceReport
{
    /// <summary>Rows whose feedback label arrived: the n of every metric below.</summary>
    [JsonProperty("labeledRows")]
    public long LabeledRows { get; set; }

    [JsonProperty("classification", NullValueHandling = NullValueHandling.Ignore)]
    public BinaryClassificationMetrics? Classification { get; set; }

    [JsonProperty("multiclass", NullValueHandling = NullValueHandling.Ignore)]
    public MulticlassClassificationMetrics? Multiclass { get; set; }

    [JsonProperty("regression", NullValueHandling = NullValueHandling.Ignore)]
    public RegressionMetrics? Regression { get; set; }
}
