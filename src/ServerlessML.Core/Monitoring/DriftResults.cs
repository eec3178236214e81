using System.Runtime.Serialization;
using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace ServerlessML.Monitoring;

[JsonConverter(typeof(StringEnumConverter))]
public enum DriftStatus
{
    [EnumMember(Value = "computed")]
    Computed,

    /// <summary>Fewer observations than the minimum sample size on one side: no number is given.</summary>
    [EnumMember(Value = "insufficient data")]
    InsufficientData,
}

/// <summary>A closed interval that is known to contain a value computed from aggregates.</summary>
public sealed record ValueBounds(
    [property: JsonProperty("lower")] double Lower,
    [property: JsonProperty("upper")] double Upper);

/// <summary>
/// One drift statistic of one feature. <see cref="Value"/> is the p-value of a test (KS, chi-square, Z) or the
/// distance (Wasserstein, Jensen-Shannon, PSI, unseen share); <see cref="Statistic"/> the test statistic where
/// there is one (KS D, chi-square, z). When the value comes from aggregates rather than raw data,
/// <see cref="Exact"/> is false, <see cref="Bounds"/> gives an interval proven to hold the raw-data value, and
/// <see cref="Note"/> says how it was obtained.
/// </summary>
public sealed record DriftStatistic
{
    [JsonProperty("method")]
    public required string Method { get; init; }

    [JsonProperty("value")]
    public required double Value { get; init; }

    [JsonProperty("statistic")]
    public double? Statistic { get; init; }

    [JsonProperty("degreesOfFreedom")]
    public int? DegreesOfFreedom { get; init; }

    /// <summary>Null for a statistic that is reported but not tested (unseen share).</summary>
    [JsonProperty("threshold")]
    public double? Threshold { get; init; }

    [JsonProperty("drifted")]
    public bool? Drifted { get; init; }

    [JsonProperty("exact")]
    public bool Exact { get; init; } = true;

    [JsonProperty("bounds")]
    public ValueBounds? Bounds { get; init; }

    [JsonProperty("statisticBounds")]
    public ValueBounds? StatisticBounds { get; init; }

    [JsonProperty("note")]
    public string? Note { get; init; }
}

/// <summary>Drift of one feature (or of the prediction) against its reference, with the sample sizes behind it.</summary>
public sealed record FeatureDriftResult
{
    [JsonProperty("feature")]
    public required string Feature { get; init; }

    /// <summary>"numeric" or "categorical".</summary>
    [JsonProperty("kind")]
    public required string Kind { get; init; }

    [JsonProperty("status")]
    public required DriftStatus Status { get; init; }

    /// <summary>Non-missing reference observations.</summary>
    [JsonProperty("referenceCount")]
    public required long ReferenceCount { get; init; }

    /// <summary>Non-missing current observations.</summary>
    [JsonProperty("currentCount")]
    public required long CurrentCount { get; init; }

    /// <summary>Current observations that were null, NaN or infinite, left out of the statistics as Evidently drops them.</summary>
    [JsonProperty("currentMissingCount")]
    public long CurrentMissingCount { get; init; }

    /// <summary>Unique values over reference and current together; null when only known to exceed the tracked cap.</summary>
    [JsonProperty("uniqueValues")]
    public int? UniqueValues { get; init; }

    /// <summary>The test that decides <see cref="Drifted"/>; null when data is insufficient.</summary>
    [JsonProperty("method")]
    public string? Method { get; init; }

    /// <summary>Why that test: the default rule that chose it, or the configured override.</summary>
    [JsonProperty("methodReason")]
    public string? MethodReason { get; init; }

    [JsonProperty("score")]
    public double? Score { get; init; }

    [JsonProperty("threshold")]
    public double? Threshold { get; init; }

    [JsonProperty("drifted")]
    public bool? Drifted { get; init; }

    [JsonProperty("statistics")]
    public IReadOnlyList<DriftStatistic> Statistics { get; init; } = [];

    /// <summary>The statistic with that method name, if it was computed.</summary>
    public DriftStatistic? Find(string method) => Statistics.FirstOrDefault(s => s.Method == method);
}

/// <summary>Dataset drift: the share of features whose own test found drift.</summary>
public sealed record DatasetDriftResult
{
    /// <summary>Features with enough data to be tested: the denominator of the share.</summary>
    [JsonProperty("testedFeatures")]
    public required int TestedFeatures { get; init; }

    [JsonProperty("driftedFeatures")]
    public required int DriftedFeatures { get; init; }

    /// <summary>Features left out for insufficient data, named so that they are never silently dropped.</summary>
    [JsonProperty("insufficientDataFeatures")]
    public required IReadOnlyList<string> InsufficientDataFeatures { get; init; }

    [JsonProperty("status")]
    public required DriftStatus Status { get; init; }

    /// <summary>Drifted over tested features; null when none could be tested.</summary>
    [JsonProperty("share")]
    public double? Share { get; init; }

    [JsonProperty("threshold")]
    public required double Threshold { get; init; }

    [JsonProperty("drifted")]
    public bool? Drifted { get; init; }

    [JsonProperty("features")]
    public required IReadOnlyList<FeatureDriftResult> Features { get; init; }
}
