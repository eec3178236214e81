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
}
