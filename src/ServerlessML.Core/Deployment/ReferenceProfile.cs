using Newtonsoft.Json;
using ServerlessML.Monitoring;
using DriftProfile = ServerlessML.Monitoring.ReferenceProfile;

namespace ServerlessML.Deployment;

/// <summary>
/// reference-profile.json: the drift baseline of a version, profiled from its package's reference.csv.
/// The statistics are the Monitoring library's <see cref="DriftProfile"/> (its <c>schemaVersion</c>,
/// <c>options</c>, <c>numeric</c> and <c>categorical</c> at the top level), so the report reads the file with
/// <c>MonitoringJson.Deserialize&lt;Monitoring.ReferenceProfile&gt;</c>; the other fields say where it came from
/// and which column plays which role.
/// </summary>
public sealed class ReferenceProfile(DriftProfile drift)
{
    public const string FileName = "reference-profile.json";

    /// <summary>The statistics, one implementation shared with the monitoring report.</summary>
    [JsonIgnore]
    public DriftProfile Drift { get; } = drift ?? throw new ArgumentNullException(nameof(drift));

    [JsonProperty("schemaVersion", Order = 0)]
    public int SchemaVersion => Drift.SchemaVersion;

    [JsonProperty("model")]
    public string Model { get; set; } = "";

    [JsonProperty("version")]
    public string Version { get; set; } = "";

    /// <summary>The file profiled, as named in the package.</summary>
    [JsonProperty("source")]
    public string Source { get; set; } = ModelPackage.ReferenceFileName;

    /// <summary>SHA-256 of that file.</summary>
    [JsonProperty("sha256")]
    public string Sha256 { get; set; } = "";

    [JsonProperty("rows")]
    public long Rows { get; set; }

    [JsonProperty("createdUtc")]
    public DateTimeOffset CreatedUtc { get; set; }

    /// <summary>The model's features, in manifest (or column) order; each has its statistics under numeric or categorical.</summary>
    [JsonProperty("features")]
    public List<string> Features { get; set; } = [];

    /// <summary>The label column (manifest <c>labelColumn</c>), when reference.csv has it; its statistics are under its column name.</summary>
    [JsonProperty("label", NullValueHandling = NullValueHandling.Ignore)]
    public ReferenceLabel? Label { get; set; }

    /// <summary>Sensitive features that are not model inputs (passthrough context), when reference.csv has them.</summary>
    [JsonProperty("context")]
    public List<string> Context { get; set; } = [];

    /// <summary>Columns of reference.csv that are none of the above, so not profiled.</summary>
    [JsonProperty("ignoredColumns")]
    public List<string> IgnoredColumns { get; set; } = [];

    /// <summary>Numeric columns without a single value: they have no statistics, so drift is not measured for them.</summary>
    [JsonProperty("emptyColumns")]
    public List<string> EmptyColumns { get; set; } = [];

    [JsonProperty("options")]
    public ReferenceProfileOptions Options => Drift.Options;

    [JsonProperty("numeric")]
    public IReadOnlyDictionary<string, NumericReference> Numeric => Drift.Numeric;

    [JsonProperty("categorical")]
    public IReadOnlyDictionary<string, CategoricalReference> Categorical => Drift.Categorical;
}

public static class ColumnKinds
{
    public const string Numeric = "numeric";
    public const string Categorical = "categorical";
}

/// <summary>Which column of reference.csv is the label, and whether it is profiled as numeric or categorical.</summary>
public sealed record ReferenceLabel(
    [property: JsonProperty("column")] string Column,
    [property: JsonProperty("kind")] string Kind);
