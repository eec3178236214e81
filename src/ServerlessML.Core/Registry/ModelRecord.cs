using Newtonsoft.Json;

namespace ServerlessML.Registry;

/// <summary>
/// The content of <c>registry/{model}/record.json</c>: every version with its state, and the traffic
/// policy. Written only by compare-and-swap on the blob's ETag.
/// </summary>
public sealed class ModelRecord
{
    public const int CurrentSchemaVersion = 1;

    [JsonProperty("schemaVersion")]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    [JsonProperty("model")]
    public string Model { get; set; } = "";

    [JsonProperty("traffic")]
    public TrafficPolicy Traffic { get; set; } = new();

    /// <summary>Earlier production versions, newest last, so a rollback knows where to go.</summary>
    [JsonProperty("productionHistory")]
    public List<string> ProductionHistory { get; set; } = [];

    [JsonProperty("versions")]
    public List<ModelVersionRecord> Versions { get; set; } = [];

    public ModelVersionRecord? FindVersion(string version) => Versions.Find(v => v.Version == version);
}

public sealed class TrafficPolicy
{
    /// <summary>The version that answers requests without a version; null while none is ready.</summary>
    [JsonProperty("production")]
    public string? Production { get; set; }

    [JsonProperty("canary")]
    public CanaryPolicy? Canary { get; set; }

    /// <summary>A version that gets a copy of production requests; its outputs are logged, never returned.</summary>
    [JsonProperty("shadow")]
    public string? Shadow { get; set; }
}

public sealed class CanaryPolicy
{
    [JsonProperty("version")]
    public string Version { get; set; } = "";

    /// <summary>Share of requests without a version routed to the canary, 0 to 100.</summary>
    [JsonProperty("percent")]
    public double Percent { get; set; }

    /// <summary>When the canary started taking traffic, so the canary judge knows its window.</summary>
    [JsonProperty("startedUtc", NullValueHandling = NullValueHandling.Ignore)]
    public DateTimeOffset? StartedUtc { get; set; }
}

public static class ModelVersionStates
{
    public const string Validating = "validating";
    public const string Ready = "ready";
    public const string Failed = "failed";
}

public sealed class ModelVersionRecord
{
    [JsonProperty("version")]
    public string Version { get; set; } = "";

    /// <summary>One of <see cref="ModelVersionStates"/>.</summary>
    [JsonProperty("state")]
    public string State { get; set; } = ModelVersionStates.Ready;

    [JsonProperty("sha256", NullValueHandling = NullValueHandling.Ignore)]
    public string? Sha256 { get; set; }

    [JsonProperty("sizeBytes", NullValueHandling = NullValueHandling.Ignore)]
    public long? SizeBytes { get; set; }

    [JsonProperty("source", NullValueHandling = NullValueHandling.Ignore)]
    public string? Source { get; set; }

    [JsonProperty("registeredUtc")]
    public DateTimeOffset RegisteredUtc { get; set; }

    /// <summary>Why the version failed, when it did.</summary>
    [JsonProperty("reason", NullValueHandling = NullValueHandling.Ignore)]
    public string? Reason { get; set; }

    /// <summary>The deployment step that failed (see <c>DeploymentSteps</c>), when it did.</summary>
    [JsonProperty("failedStep", NullValueHandling = NullValueHandling.Ignore)]
    public string? FailedStep { get; set; }

    /// <summary>When <see cref="State"/> last changed.</summary>
    [JsonProperty("updatedUtc", NullValueHandling = NullValueHandling.Ignore)]
    public DateTimeOffset? UpdatedUtc { get; set; }

    /// <summary>SHA-256 of the served model.onnx; equals <see cref="Sha256"/> for an uploaded .onnx, differs for a .zip.</summary>
    [JsonProperty("modelSha256", NullValueHandling = NullValueHandling.Ignore)]
    public string? ModelSha256 { get; set; }

    /// <summary>The rollout strategy the deployment applied (see <see cref="RolloutStrategies"/>).</summary>
    [JsonProperty("rollout", NullValueHandling = NullValueHandling.Ignore)]
    public string? Rollout { get; set; }

    /// <summary>How the signature differs from the production version's in ways that break its clients; empty when none.</summary>
    [JsonProperty("breakingChanges", NullValueHandling = NullValueHandling.Ignore)]
    public List<string>? BreakingChanges { get; set; }

    /// <summary>What the package held, in brief; the details are in the version folder's validation.json.</summary>
    [JsonProperty("summary", NullValueHandling = NullValueHandling.Ignore)]
    public VersionSummary? Summary { get; set; }
}

/// <summary>A short description of a deployed version for listings; validation.json has the details.</summary>
public sealed class VersionSummary
{
    /// <summary>The manifest's task, when it names one.</summary>
    [JsonProperty("task", NullValueHandling = NullValueHandling.Ignore)]
    public string? Task { get; set; }

    [JsonProperty("inputs")]
    public int Inputs { get; set; }

    [JsonProperty("outputs")]
    public int Outputs { get; set; }

    /// <summary>Features the manifest declares (0 without a manifest).</summary>
    [JsonProperty("features")]
    public int Features { get; set; }

    [JsonProperty("hasManifest")]
    public bool HasManifest { get; set; }

    /// <summary>True when reference.csv was profiled into reference-profile.json.</summary>
    [JsonProperty("hasReferenceProfile")]
    public bool HasReferenceProfile { get; set; }

    /// <summary>True when the package's smoke test ran and passed.</summary>
    [JsonProperty("smokeTested")]
    public bool SmokeTested { get; set; }

    /// <summary>The production version the signature was compared with, if there was one.</summary>
    [JsonProperty("comparedWith", NullValueHandling = NullValueHandling.Ignore)]
    public string? ComparedWith { get; set; }
}
