using Newtonsoft.Json;

namespace ServerlessML.Deployment;

/// <summary>
/// reference-profile.json: the drift baseline of a version, profiled from its package's reference.csv.
/// Numeric columns keep their moments, deciles and the reference counts on the decile bins (so PSI is a
/// count of current values on the same bins); categorical columns keep their category counts.
/// </summary>
public sealed class ReferenceProfile
{
    public const int CurrentSchemaVersion = 1;
    public const string FileName = "reference-profile.json";

    [JsonProperty("schemaVersion")]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

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

    /// <summary>
    /// How <see cref="ColumnProfile.Bins"/> are read: bin 0 is (-inf, edges[0]], bin i is (edges[i-1], edges[i]],
    /// the last bin is (edges[^1], +inf).
    /// </summary>
    [JsonProperty("binRule")]
    public string BinRule { get; set; } = "right-closed: (-inf, e0], (e0, e1], ..., (e_last, +inf)";

    /// <summary>The model's features, in manifest (or column) order.</summary>
    [JsonProperty("features")]
    public Dictionary<string, ColumnProfile> Features { get; set; } = [];

    /// <summary>The label column (manifest <c>labelColumn</c>), when reference.csv has it.</summary>
    [JsonProperty("label", NullValueHandling = NullValueHandling.Ignore)]
    public ColumnProfile? Label { get; set; }

    /// <summary>Sensitive features that are not model inputs (passthrough context), when reference.csv has them.</summary>
    [JsonProperty("context")]
    public Dictionary<string, ColumnProfile> Context { get; set; } = [];

    /// <summary>Columns of reference.csv that are none of the above, so not profiled.</summary>
    [JsonProperty("ignoredColumns")]
    public List<string> IgnoredColumns { get; set; } = [];
}

public static class ColumnKinds
{
    public const string Numeric = "numeric";
    public const string Categorical = "categorical";
}

/// <summary>One column of a <see cref="ReferenceProfile"/>.</summary>
public sealed class ColumnProfile
{
    /// <summary>The column's name in reference.csv.</summary>
    [JsonProperty("column")]
    public string Column { get; set; } = "";

    /// <summary>numeric or categorical (see <see cref="ColumnKinds"/>).</summary>
    [JsonProperty("kind")]
    public string Kind { get; set; } = ColumnKinds.Numeric;

    /// <summary>The feature type: float, int, string or bool.</summary>
    [JsonProperty("type")]
    public string Type { get; set; } = "";

    /// <summary>Values present.</summary>
    [JsonProperty("count")]
    public long Count { get; set; }

    /// <summary>Empty cells (and for numeric columns NA, NaN, null).</summary>
    [JsonProperty("missing")]
    public long Missing { get; set; }

    [JsonProperty("mean", NullValueHandling = NullValueHandling.Ignore)]
    public double? Mean { get; set; }

    /// <summary>Sample standard deviation (n - 1).</summary>
    [JsonProperty("std", NullValueHandling = NullValueHandling.Ignore)]
    public double? Std { get; set; }

    [JsonProperty("min", NullValueHandling = NullValueHandling.Ignore)]
    public double? Min { get; set; }

    [JsonProperty("max", NullValueHandling = NullValueHandling.Ignore)]
    public double? Max { get; set; }

    /// <summary>The 10th to 90th percentiles (9 values, linear interpolation between order statistics).</summary>
    [JsonProperty("deciles", NullValueHandling = NullValueHandling.Ignore)]
    public double[]? Deciles { get; set; }

    [JsonProperty("bins", NullValueHandling = NullValueHandling.Ignore)]
    public BinCounts? Bins { get; set; }

    /// <summary>Count per category, most frequent first.</summary>
    [JsonProperty("categories", NullValueHandling = NullValueHandling.Ignore)]
    public Dictionary<string, long>? Categories { get; set; }
}

/// <summary>Reference counts on bins bounded by the distinct deciles (ties merge bins, so there may be fewer than 10).</summary>
public sealed class BinCounts
{
    [JsonProperty("edges")]
    public double[] Edges { get; set; } = [];

    /// <summary>One more than <see cref="Edges"/>: counts of (-inf, e0], (e0, e1], ..., (e_last, +inf).</summary>
    [JsonProperty("counts")]
    public long[] Counts { get; set; } = [];

    /// <summary>The bin of a value: the number of edges strictly below it.</summary>
    public int BinOf(double value)
    {
        int i = Array.BinarySearch(Edges, value);
        if (i >= 0)
        {
            // An exact edge belongs to the bin it closes; edges are distinct, so this is its index.
            return i;
        }

        return ~i;
    }
}
