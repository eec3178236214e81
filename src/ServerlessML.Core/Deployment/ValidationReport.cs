using Newtonsoft.Json;

namespace ServerlessML.Deployment;

/// <summary>validation.json in a version folder: what the deployment checked, how long each step took, and what it found.</summary>
public sealed class ValidationReport
{
    public const int CurrentSchemaVersion = 1;
    public const string FileName = "validation.json";

    [JsonProperty("schemaVersion")]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    [JsonProperty("model")]
    public string Model { get; set; } = "";

    [JsonProperty("version")]
    public string Version { get; set; } = "";

    /// <summary>The uploaded blob, as container/name.</summary>
    [JsonProperty("source")]
    public string Source { get; set; } = "";

    /// <summary>SHA-256 of the uploaded blob.</summary>
    [JsonProperty("sha256")]
    public string Sha256 { get; set; } = "";

    [JsonProperty("sizeBytes")]
    public long SizeBytes { get; set; }

    /// <summary>SHA-256 of model.onnx as served.</summary>
    [JsonProperty("modelSha256")]
    public string ModelSha256 { get; set; } = "";

    /// <summary>The files of the package, as it named them.</summary>
    [JsonProperty("files")]
    public List<string> Files { get; set; } = [];

    [JsonProperty("startedUtc")]
    public DateTimeOffset StartedUtc { get; set; }

    [JsonProperty("steps")]
    public List<StepResult> Steps { get; set; } = [];

    [JsonProperty("signature")]
    public SignatureDocument Signature { get; set; } = new();

    /// <summary>The rollout strategy the manifest asks for.</summary>
    [JsonProperty("rollout")]
    public string Rollout { get; set; } = "";

    [JsonProperty("comparedWith", NullValueHandling = NullValueHandling.Ignore)]
    public string? ComparedWith { get; set; }

    [JsonProperty("breakingChanges")]
    public List<string> BreakingChanges { get; set; } = [];

    [JsonProperty("smokeTest", NullValueHandling = NullValueHandling.Ignore)]
    public SmokeTestResult? SmokeTest { get; set; }
}

/// <summary>One step of a deployment: what it was, whether it passed, how long it took, what it found.</summary>
public sealed class StepResult
{
    /// <summary>One of <see cref="DeploymentSteps"/>.</summary>
    [JsonProperty("step")]
    public string Step { get; set; } = "";

    /// <summary>passed, skipped (nothing to do, e.g. no smoke test in the package) or failed.</summary>
    [JsonProperty("outcome")]
    public string Outcome { get; set; } = StepOutcomes.Passed;

    [JsonProperty("durationMs")]
    public double DurationMs { get; set; }

    [JsonProperty("detail", NullValueHandling = NullValueHandling.Ignore)]
    public string? Detail { get; set; }
}

public static class StepOutcomes
{
    public const string Passed = "passed";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}
