using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using Newtonsoft.Json.Serialization;

namespace ServerlessML.Fairness;

/// <summary>Disparity figures, named as the Fairlearn functions that compute them.</summary>
[JsonConverter(typeof(StringEnumConverter), typeof(SnakeCaseNamingStrategy))]
public enum DisparityMetric
{
    /// <summary>Selection-rate difference: <c>demographic_parity_difference</c>.</summary>
    DemographicParityDifference,

    /// <summary>Selection-rate ratio: <c>demographic_parity_ratio</c>.</summary>
    DemographicParityRatio,

    /// <summary>Larger of the TPR and FPR differences: <c>equalized_odds_difference(agg="worst_case")</c>.</summary>
    EqualizedOddsDifference,

    /// <summary>Mean of the TPR and FPR differences: <c>equalized_odds_difference(agg="mean")</c>.</summary>
    EqualizedOddsDifferenceMean,

    /// <summary>Smaller of the TPR and FPR ratios: <c>equalized_odds_ratio(agg="worst_case")</c>.</summary>
    EqualizedOddsRatio,

    /// <summary>Mean of the TPR and FPR ratios: <c>equalized_odds_ratio(agg="mean")</c>.</summary>
    EqualizedOddsRatioMean,

    /// <summary>TPR difference: <c>equal_opportunity_difference</c>.</summary>
    EqualOpportunityDifference,

    /// <summary>TPR ratio: <c>equal_opportunity_ratio</c>.</summary>
    EqualOpportunityRatio,

    /// <summary>
    /// Lowest selection rate over the reference group's (by default the highest-rate group, which makes it
    /// <c>demographic_parity_ratio</c>); to overall it is <c>demographic_parity_ratio(method="to_overall")</c>.
    /// </summary>
    DisparateImpact,
}

/// <summary>Fairlearn's <c>method=</c> of <c>MetricFrame.difference</c> and <c>MetricFrame.ratio</c>.</summary>
[JsonConverter(typeof(StringEnumConverter), typeof(SnakeCaseNamingStrategy))]
public enum DisparityMethod
{
    /// <summary>Largest gap between any two qualifying groups (max − min, min / max).</summary>
    BetweenGroups,

    /// <summary>Largest gap between a qualifying group and the whole population.</summary>
    ToOverall,
}

[JsonConverter(typeof(StringEnumConverter), typeof(SnakeCaseNamingStrategy))]
public enum RateKind
{
    /// <summary>Share of rows predicted positive.</summary>
    SelectionRate,

    /// <summary>Share of labelled positives predicted positive.</summary>
    TruePositiveRate,

    /// <summary>Share of labelled negatives predicted positive.</summary>
    FalsePositiveRate,

    /// <summary>Share of labelled rows predicted correctly.</summary>
    Accuracy,
}

/// <summary>Why a group has no value for a rate and takes no part in the figures built on it.</summary>
[JsonConverter(typeof(StringEnumConverter), typeof(SnakeCaseNamingStrategy))]
public enum ExclusionReason
{
    /// <summary>An intersection of values that no row had.</summary>
    Empty,

    /// <summary>Fewer rows than the minimum group size: rows for the selection rate, labelled rows for accuracy, labelled positives for the TPR, labelled negatives for the FPR.</summary>
    BelowMinimumSize,

    /// <summary>No row of the group has a feedback label yet.</summary>
    NoLabels,

    /// <summary>No labelled positive, so the true positive rate is undefined.</summary>
    NoPositives,

    /// <summary>No labelled negative, so the false positive rate is undefined.</summary>
    NoNegatives,
}

[JsonConverter(typeof(StringEnumConverter), typeof(SnakeCaseNamingStrategy))]
public enum LimitKind
{
    /// <summary>The figure breaches when above the limit (differences).</summary>
    Maximum,

    /// <summary>The figure breaches when below the limit (ratios).</summary>
    Minimum,
}

/// <summary>The fairness section of a report: every outcome, grouping and group, then the breaches.</summary>
[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class FairnessReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required IReadOnlyList<string> SensitiveFeatures { get; init; }

    public required FairnessSettings Settings { get; init; }

    public required IReadOnlyList<OutcomeFairness> Outcomes { get; init; }

    /// <summary>Every judged figure past its limit, the furthest first.</summary>
    public required IReadOnlyList<FairnessBreach> Breaches { get; init; }

    public OutcomeFairness Outcome(string outcome) =>
        Outcomes.FirstOrDefault(o => o.Outcome == outcome) ?? throw new KeyNotFoundException($"The report has no outcome '{outcome}'.");
}

/// <summary>The configuration a report was computed with, so its numbers can be reproduced.</summary>
[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class FairnessSettings
{
    public required int MinGroupSize { get; init; }

    public required int BootstrapResamples { get; init; }

    public required double ConfidenceLevel { get; init; }

    public required long Seed { get; init; }

    public required IReadOnlyDictionary<string, string> DisparateImpactReference { get; init; }

    public required IReadOnlyList<FairnessLimit> Limits { get; init; }

    public required IReadOnlyList<DisparityMethod> JudgedMethods { get; init; }
}

[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class FairnessLimit
{
    public required DisparityMetric Metric { get; init; }

    public required double Limit { get; init; }

    public required LimitKind Kind { get; init; }
}

/// <summary>All groupings for one outcome (one class against the rest).</summary>
[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class OutcomeFairness
{
    public required string Outcome { get; init; }

    /// <summary>The whole population, the comparison point of <see cref="DisparityMethod.ToOverall"/>.</summary>
    public required GroupMetrics Overall { get; init; }

    /// <summary>Each single feature, then each intersection, smallest first.</summary>
    public required IReadOnlyList<GroupingFairness> Groupings { get; init; }

    public GroupingFairness Grouping(params string[] features) =>
        Groupings.FirstOrDefault(g => g.Features.SequenceEqual(features, StringComparer.Ordinal))
        ?? throw new KeyNotFoundException($"Outcome '{Outcome}' has no grouping by [{string.Join(", ", features)}].");
}

/// <summary>One grouping (a sensitive feature or an intersection of several): its groups and disparity figures.</summary>
[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class GroupingFairness
{
    public required IReadOnlyList<string> Features { get; init; }

    /// <summary>Every group, empty intersections included, in ordinal order of their values.</summary>
    public required IReadOnlyList<GroupMetrics> Groups { get; init; }

    /// <summary>
    /// Empty intersections not listed because the grouping has more than
    /// <see cref="FairnessEvaluator.MaxListedGroups"/> groups; zero otherwise.
    /// </summary>
    public long EmptyGroupsNotListed { get; init; }

    /// <summary>The group disparate impact compares against, or null when the highest-rate group is used.</summary>
    public FairnessGroup? ConfiguredReference { get; init; }

    public required IReadOnlyList<DisparityFigure> Figures { get; init; }

    public GroupMetrics Group(params string[] values) =>
        Groups.FirstOrDefault(g => g.Group.Values.SequenceEqual(values, StringComparer.Ordinal))
        ?? throw new KeyNotFoundException($"Grouping [{string.Join(", ", Features)}] has no group [{string.Join(", ", values)}].");

    public DisparityFigure Figure(DisparityMetric metric, DisparityMethod method) =>
        Figures.First(f => f.Metric == metric && f.Method == method);
}

/// <summary>Counts and rates of one group (or of the whole population).</summary>
[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class GroupMetrics
{
    public required FairnessGroup Group { get; init; }

    public bool IsEmpty => Counts.N == 0;

    public long N => Counts.N;

    public long Labeled => Counts.Labeled;

    public required GroupConfusionCounts Counts { get; init; }

    public required RateValue SelectionRate { get; init; }

    public required RateValue TruePositiveRate { get; init; }

    public required RateValue FalsePositiveRate { get; init; }

    public required RateValue Accuracy { get; init; }

    /// <summary>
    /// This group's selection rate over the disparate impact reference's (between groups); null with a reason
    /// when either rate is not computed or the reference rate is 0.
    /// </summary>
    public RateValue? SelectionRateRatioToReference { get; init; }

    public RateValue Rate(RateKind kind) => kind switch
    {
        RateKind.SelectionRate => SelectionRate,
        RateKind.TruePositiveRate => TruePositiveRate,
        RateKind.FalsePositiveRate => FalsePositiveRate,
        RateKind.Accuracy => Accuracy,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown rate."),
    };
}

/// <summary>A rate with its sample size; null with the reason when it is not computed, never a made-up 0.</summary>
[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class RateValue
{
    public double? Value { get; init; }

    /// <summary>The denominator: rows, labelled rows, labelled positives or labelled negatives.</summary>
    public long SampleSize { get; init; }

    public ExclusionReason? ExcludedBecause { get; init; }

    /// <summary>The reason in words, e.g. "12 rows, below the minimum of 30".</summary>
    public string? Detail { get; init; }
}

/// <summary>One disparity figure of one grouping, with the groups that produce it and its confidence interval.</summary>
[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class DisparityFigure
{
    public required DisparityMetric Metric { get; init; }

    public required DisparityMethod Method { get; init; }

    /// <summary>Null when the figure cannot be computed; <see cref="NotComputedBecause"/> says why.</summary>
    public double? Value { get; init; }

    public string? NotComputedBecause { get; init; }

    /// <summary>The rate the figure was decided by (for equalized odds, the worse of TPR and FPR); null for means.</summary>
    public RateKind? Rate { get; init; }

    /// <summary>The group at the unfavourable end: lowest rate, or furthest from overall.</summary>
    public FairnessGroup? Group { get; init; }

    public double? GroupRate { get; init; }

    /// <summary>The group compared against; null when compared against the whole population.</summary>
    public FairnessGroup? ComparedTo { get; init; }

    public double? ComparedToRate { get; init; }

    /// <summary>Number of groups that qualified and were compared.</summary>
    public int GroupsCompared { get; init; }

    /// <summary>Groups left out of this figure and why (every non-qualifying group, empty ones included).</summary>
    public required IReadOnlyList<ExcludedGroup> ExcludedGroups { get; init; }

    public ConfidenceInterval? Interval { get; init; }
}

[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class ExcludedGroup
{
    public required FairnessGroup Group { get; init; }

    public required RateKind Rate { get; init; }

    public required ExclusionReason Reason { get; init; }

    public required string Detail { get; init; }
}

/// <summary>
/// Percentile bootstrap interval. Resamples where the figure is undefined (a qualifying group drew no positives,
/// say) are left out of the percentiles and counted in <see cref="UndefinedResamples"/>; when they are more than
/// half, no interval is given.
/// </summary>
[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class ConfidenceInterval
{
    public required double Level { get; init; }

    public required double Lower { get; init; }

    public required double Upper { get; init; }

    public required int Resamples { get; init; }

    public required int UndefinedResamples { get; init; }

    public bool Contains(double value) => value >= Lower && value <= Upper;
}
