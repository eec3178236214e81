using ServerlessML.Fairness;
using static ServerlessML.Fairness.DisparityMethod;
using static ServerlessML.Fairness.DisparityMetric;

namespace ServerlessML.Tests.Fairness;

/// <summary>
/// Fairlearn's documented example. By hand, row by row (y_true, y_pred):
///   a: rows 2 (1,1) TP, 8 (1,0) FN, 9 (0,1) FP, 11 (0,1) FP           → n 4, TP 1, FN 1, FP 2, TN 0
///   b: rows 0 (0,0) TN, 1 (1,0) FN, 3 (1,0) FN, 4 (1,1) TP, 12 TP, 15 TP → n 6, TP 3, FN 2, FP 0, TN 1
///   c: rows 5 (0,1) FP, 6 (1,1) TP, 7 (0,0) TN, 10 (0,1) FP, 13 (1,0) FN, 14 FN, 16 (1,1) TP, 17 FN
///                                                                      → n 8, TP 2, FN 3, FP 2, TN 1
///   selection rate (TP+FP)/n:  a 3/4 = 0.75   b 3/6 = 0.5   c 4/8 = 0.5
///   TPR TP/(TP+FN):            a 1/2 = 0.5    b 3/5 = 0.6   c 2/5 = 0.4
///   FPR FP/(FP+TN):            a 2/2 = 1      b 0/1 = 0     c 2/3
///   accuracy (TP+TN)/n:        a 1/4          b 4/6         c 3/8
///   overall: n 18, TP 6, FN 6, FP 4, TN 2 → selection 10/18 = 5/9, TPR 6/12 = 0.5, FPR 4/6 = 2/3
/// </summary>
public sealed class FairlearnExampleTests
{
    private const int Precision = 12;

    private static readonly GroupingFairness Grouping =
        new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(FairnessData.FairlearnExample()).Outcome("1").Grouping("g");

    [Fact]
    public void Figures_match_the_values_documented_by_fairlearn()
    {
        // Fairlearn docs: demographic_parity_difference 0.25, demographic_parity_ratio 0.66666..., equalized_odds_difference 1.0,
        // equalized_odds_ratio 0.0.
        Assert.Equal(0.25, Value(DemographicParityDifference, BetweenGroups), Precision);
        Assert.Equal(0.6667, Value(DemographicParityRatio, BetweenGroups), 4);
        Assert.Equal(1.0, Value(EqualizedOddsDifference, BetweenGroups), Precision);
        Assert.Equal(0.0, Value(EqualizedOddsRatio, BetweenGroups), Precision);
    }

    [Fact]
    public void Per_group_counts_and_rates_match_the_hand_computation()
    {
        AssertGroup("a", n: 4, tp: 1, fn: 1, fp: 2, tn: 0, selection: 0.75, tpr: 0.5, fpr: 1.0, accuracy: 0.25);
        AssertGroup("b", n: 6, tp: 3, fn: 2, fp: 0, tn: 1, selection: 0.5, tpr: 0.6, fpr: 0.0, accuracy: 4.0 / 6);
        AssertGroup("c", n: 8, tp: 2, fn: 3, fp: 2, tn: 1, selection: 0.5, tpr: 0.4, fpr: 2.0 / 3, accuracy: 3.0 / 8);

        var report = new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(FairnessData.FairlearnExample());
        var overall = report.Outcome("1").Overall;
        Assert.Equal(18, overall.N);
        Assert.Equal(10.0 / 18, overall.SelectionRate.Value!.Value, Precision);
        Assert.Equal(0.5, overall.TruePositiveRate.Value!.Value, Precision);
        Assert.Equal(2.0 / 3, overall.FalsePositiveRate.Value!.Value, Precision);
    }

    [Fact]
    public void Between_groups_figures_name_the_groups_that_produce_them()
    {
        // Selection: max a 0.75, min b 0.5 (b and c tie; the first in order is reported).
        var parity = Grouping.Figure(DemographicParityDifference, BetweenGroups);
        Assert.Equal(("b", "a"), (parity.Group!.Values[0], parity.ComparedTo!.Values[0]));
        Assert.Equal((0.5, 0.75), (parity.GroupRate, parity.ComparedToRate));

        // TPR: max b 0.6, min c 0.4 → difference 0.2, ratio 2/3.
        Assert.Equal(0.2, Value(EqualOpportunityDifference, BetweenGroups), Precision);
        Assert.Equal(2.0 / 3, Value(EqualOpportunityRatio, BetweenGroups), Precision);

        // FPR: max a 1, min b 0 → difference 1, ratio 0; equalized odds takes the worse: FPR.
        var odds = Grouping.Figure(EqualizedOddsDifference, BetweenGroups);
        Assert.Equal(RateKind.FalsePositiveRate, odds.Rate);
        Assert.Equal(("b", "a"), (odds.Group!.Values[0], odds.ComparedTo!.Values[0]));

        // Means (Fairlearn agg="mean"): difference (0.2 + 1) / 2 = 0.6, ratio (2/3 + 0) / 2 = 1/3.
        Assert.Equal(0.6, Value(EqualizedOddsDifferenceMean, BetweenGroups), Precision);
        Assert.Equal(1.0 / 3, Value(EqualizedOddsRatioMean, BetweenGroups), Precision);

        // Disparate impact against the highest selection rate (a): lowest b 0.5 / 0.75 = 2/3, the parity ratio.
        var impact = Grouping.Figure(DisparateImpact, BetweenGroups);
        Assert.Equal(2.0 / 3, impact.Value!.Value, Precision);
        Assert.Equal("a", impact.ComparedTo!.Values[0]);
        Assert.Equal(1.0, Grouping.Group("a").SelectionRateRatioToReference!.Value!.Value, Precision);
        Assert.Equal(2.0 / 3, Grouping.Group("c").SelectionRateRatioToReference!.Value!.Value, Precision);
    }

    [Fact]
    public void To_overall_figures_match_the_hand_computation()
    {
        // Selection against 5/9: |0.75 − 5/9| = 7/36 (a), |0.5 − 5/9| = 1/18 → difference 7/36.
        // Ratios: a 0.75 / (5/9) = 1.35 → inverted 20/27; b, c 0.5 / (5/9) = 0.9 → minimum 20/27 (a).
        Assert.Equal(7.0 / 36, Value(DemographicParityDifference, ToOverall), Precision);
        Assert.Equal(20.0 / 27, Value(DemographicParityRatio, ToOverall), Precision);
        Assert.Equal(20.0 / 27, Value(DisparateImpact, ToOverall), Precision);
        var parity = Grouping.Figure(DemographicParityDifference, ToOverall);
        Assert.Equal("a", parity.Group!.Values[0]);
        Assert.Null(parity.ComparedTo);
        Assert.Equal(5.0 / 9, parity.ComparedToRate!.Value, Precision);

        // TPR against 0.5: |0.5−0.5| 0, |0.6−0.5| 0.1, |0.4−0.5| 0.1 → 0.1. Ratios 1, 0.5/0.6 = 5/6, 0.4/0.5 = 0.8 → 0.8 (c).
        Assert.Equal(0.1, Value(EqualOpportunityDifference, ToOverall), Precision);
        Assert.Equal(0.8, Value(EqualOpportunityRatio, ToOverall), Precision);

        // FPR against 2/3: |1 − 2/3| 1/3, |0 − 2/3| 2/3, 0 → 2/3 (b). Ratios 2/3, 0, 1 → 0.
        // Equalized odds: max(0.1, 2/3) = 2/3; mean (0.1 + 2/3) / 2 = 23/60; ratio min(0.8, 0) = 0; mean ratio 0.4.
        Assert.Equal(2.0 / 3, Value(EqualizedOddsDifference, ToOverall), Precision);
        Assert.Equal(23.0 / 60, Value(EqualizedOddsDifferenceMean, ToOverall), Precision);
        Assert.Equal(0.0, Value(EqualizedOddsRatio, ToOverall), Precision);
        Assert.Equal(0.4, Value(EqualizedOddsRatioMean, ToOverall), Precision);
        Assert.Equal("b", Grouping.Figure(EqualizedOddsDifference, ToOverall).Group!.Values[0]);
    }

    [Fact]
    public void A_configured_reference_group_replaces_the_highest_rate_for_disparate_impact()
    {
        var options = FairnessData.PointEstimatesOnly();
        options.DisparateImpactReference["g"] = "c";
        var grouping = new FairnessEvaluator(options).Evaluate(FairnessData.FairlearnExample()).Outcome("1").Grouping("g");

        // Against c (0.5): a 0.75 / 0.5 = 1.5, b 0.5 / 0.5 = 1 → lowest 1 (b); nobody falls under four fifths.
        var impact = grouping.Figure(DisparateImpact, BetweenGroups);
        Assert.Equal(1.0, impact.Value!.Value, Precision);
        Assert.Equal(("b", "c"), (impact.Group!.Values[0], impact.ComparedTo!.Values[0]));
        Assert.Equal(1.5, grouping.Group("a").SelectionRateRatioToReference!.Value!.Value, Precision);
        Assert.Equal("g=c", grouping.ConfiguredReference!.Label);

        // The parity ratio itself stays min / max.
        Assert.Equal(2.0 / 3, grouping.Figure(DemographicParityRatio, BetweenGroups).Value!.Value, Precision);
    }

    [Fact]
    public void A_reference_group_without_rows_leaves_disparate_impact_uncomputed_with_the_reason()
    {
        var options = FairnessData.PointEstimatesOnly();
        options.DisparateImpactReference["g"] = "z";
        var impact = new FairnessEvaluator(options).Evaluate(FairnessData.FairlearnExample()).Outcome("1").Grouping("g").Figure(DisparateImpact, BetweenGroups);

        Assert.Null(impact.Value);
        Assert.Equal("the reference group g=z has no rows", impact.NotComputedBecause);
    }

    private static double Value(DisparityMetric metric, DisparityMethod method) =>
        Grouping.Figure(metric, method).Value ?? throw new Xunit.Sdk.XunitException($"{metric} {method} was not computed.");

    private static void AssertGroup(string group, long n, long tp, long fn, long fp, long tn, double selection, double tpr, double fpr, double accuracy)
    {
        var g = Grouping.Group(group);
        Assert.Equal((n, tp, fn, fp, tn), (g.N, g.Counts.TruePositives, g.Counts.FalseNegatives, g.Counts.FalsePositives, g.Counts.TrueNegatives));
        Assert.Equal(selection, g.SelectionRate.Value!.Value, Precision);
        Assert.Equal(tpr, g.TruePositiveRate.Value!.Value, Precision);
        Assert.Equal(fpr, g.FalsePositiveRate.Value!.Value, Precision);
        Assert.Equal(accuracy, g.Accuracy.Value!.Value, Precision);
        Assert.Equal(n, g.SelectionRate.SampleSize);
        Assert.Equal(tp + fn, g.TruePositiveRate.SampleSize);
    }
}
