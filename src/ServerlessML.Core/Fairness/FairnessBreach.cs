using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using Newtonsoft.Json.Serialization;

namespace ServerlessML.Fairness;

/// <summary>How sure a breach is, read from its bootstrap interval.</summary>
[JsonConverter(typeof(StringEnumConverter), typeof(SnakeCaseNamingStrategy))]
public enum BreachCertainty
{
    /// <summary>The whole confidence interval is past the limit.</summary>
    WholeIntervalBeyondLimit,

    /// <summary>The interval reaches back over the limit: the data are also consistent with no breach.</summary>
    IntervalIncludesLimit,

    /// <summary>No interval was computed (no resamples, or none defined).</summary>
    NoInterval,
}

/// <summary>
/// A disparity figure past its limit: which outcome, grouping and groups, which figure, its value, the limit, how
/// far past it, and the confidence interval, with a sentence a non-engineer can read.
/// </summary>
[JsonObject(NamingStrategyType = typeof(CamelCaseNamingStrategy))]
public sealed class FairnessBreach
{
    // Rates come from integer counts, so a gap meant to equal the limit can land 1e-17 past it.
    internal const double Tolerance = 1e-12;

    public required string Outcome { get; init; }

    public required IReadOnlyList<string> Features { get; init; }

    public required DisparityMetric Metric { get; init; }

    public required DisparityMethod Method { get; init; }

    public required double Value { get; init; }

    public required double Limit { get; init; }

    public required LimitKind LimitKind { get; init; }

    /// <summary>How far past the limit, always positive: value − limit for maxima, limit − value for minima.</summary>
    public required double Excess { get; init; }

    public RateKind? Rate { get; init; }

    public FairnessGroup? Group { get; init; }

    public double? GroupRate { get; init; }

    /// <summary>Null when the group is compared against the whole population.</summary>
    public FairnessGroup? ComparedTo { get; init; }

    public double? ComparedToRate { get; init; }

    public ConfidenceInterval? Interval { get; init; }

    public required BreachCertainty Certainty { get; init; }

    public required string Description { get; init; }

    internal static FairnessBreach? Judge(string outcome, IReadOnlyList<string> features, DisparityFigure figure, double limit, LimitKind kind)
    {
        if (figure.Value is not { } value)
        {
            return null;
        }

        var excess = kind == LimitKind.Maximum ? value - limit : limit - value;
        if (excess <= Tolerance)
        {
            return null;
        }

        var certainty = figure.Interval switch
        {
            null => BreachCertainty.NoInterval,
            var ci when (kind == LimitKind.Maximum ? ci.Lower > limit + Tolerance : ci.Upper < limit - Tolerance) => BreachCertainty.WholeIntervalBeyondLimit,
            _ => BreachCertainty.IntervalIncludesLimit,
        };

        return new FairnessBreach
        {
            Outcome = outcome,
            Features = features,
            Metric = figure.Metric,
            Method = figure.Method,
            Value = value,
            Limit = limit,
            LimitKind = kind,
            Excess = excess,
            Rate = figure.Rate,
            Group = figure.Group,
            GroupRate = figure.GroupRate,
            ComparedTo = figure.ComparedTo,
            ComparedToRate = figure.ComparedToRate,
            Interval = figure.Interval,
            Certainty = certainty,
            Description = Describe(outcome, features, figure, value, limit, kind, excess, certainty),
        };
    }

    private static string Describe(
        string outcome, IReadOnlyList<string> features, DisparityFigure figure, double value, double limit, LimitKind kind, double excess, BreachCertainty certainty)
    {
        var text = new List<string>
        {
            $"Outcome '{outcome}', groups by {string.Join(" and ", features)}, {MethodWords(figure.Method)}: {MetricWords(figure.Metric)} is {Number(value)}.",
        };

        if (figure is { Rate: { } rate, Group: { } group, GroupRate: { } groupRate, ComparedToRate: { } comparedRate })
        {
            var other = figure.ComparedTo is { } comparedTo ? $"{Percent(comparedRate)} for {comparedTo.Label}" : $"{Percent(comparedRate)} for everyone";
            text.Add($"The {DisparityCalculation.Words(rate)} is {Percent(groupRate)} for {group.Label} against {other}.");
        }

        var direction = kind == LimitKind.Maximum ? "above the maximum" : "below the minimum";
        text.Add($"That is {Number(excess)} {direction} of {Number(limit)}.");

        if (figure.Interval is { } ci)
        {
            var level = (ci.Level * 100).ToString("0.#", CultureInfo.InvariantCulture);
            text.Add(certainty == BreachCertainty.WholeIntervalBeyondLimit
                ? $"The {level}% confidence interval, {Number(ci.Lower)} to {Number(ci.Upper)}, lies wholly {(kind == LimitKind.Maximum ? "above" : "below")} the limit, so this is unlikely to be chance."
                : $"The {level}% confidence interval, {Number(ci.Lower)} to {Number(ci.Upper)}, includes the limit, so the data are also consistent with no breach; more data would settle it.");
            if (ci.UndefinedResamples > 0)
            {
                text.Add($"{ci.UndefinedResamples} of {ci.Resamples} resamples could not compute the figure (a group drew no rows for the rate) and are left out of the interval.");
            }
        }
        else
        {
            text.Add("No confidence interval was computed, so how certain this is is not known.");
        }

        return string.Join(" ", text);
    }

    private static string MetricWords(DisparityMetric metric) => metric switch
    {
        DisparityMetric.DemographicParityDifference => "the gap in selection rates (demographic parity difference)",
        DisparityMetric.DemographicParityRatio => "the ratio of selection rates (demographic parity ratio)",
        DisparityMetric.EqualizedOddsDifference => "the larger gap in true or false positive rates (equalized odds difference)",
        DisparityMetric.EqualizedOddsDifferenceMean => "the mean gap in true and false positive rates (mean equalized odds difference)",
        DisparityMetric.EqualizedOddsRatio => "the smaller ratio of true or false positive rates (equalized odds ratio)",
        DisparityMetric.EqualizedOddsRatioMean => "the mean ratio of true and false positive rates (mean equalized odds ratio)",
        DisparityMetric.EqualOpportunityDifference => "the gap in true positive rates (equal opportunity difference)",
        DisparityMetric.EqualOpportunityRatio => "the ratio of true positive rates (equal opportunity ratio)",
        DisparityMetric.DisparateImpact => "the lowest selection rate as a share of the reference group's (disparate impact, four-fifths rule)",
        _ => metric.ToString(),
    };

    private static string MethodWords(DisparityMethod method) =>
        method == DisparityMethod.BetweenGroups ? "comparing the groups with each other" : "comparing each group with everyone";

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Percent(double rate) => (rate * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
