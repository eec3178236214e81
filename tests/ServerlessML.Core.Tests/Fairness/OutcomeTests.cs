using ServerlessML.Fairness;
using static ServerlessML.Fairness.DisparityMethod;
using static ServerlessML.Fairness.DisparityMetric;

namespace ServerlessML.Tests.Fairness;

public sealed class OutcomeTests
{
    [Fact]
    public void Multiclass_predictions_are_reported_one_class_against_the_rest()
    {
        // (group, predicted, actual):
        //   u: (A,A) (B,A) (B,B) (C,B)      v: (A,C) (C,C) (B,B) (A,A)
        // Class B against the rest: u predicted B twice of 4 (0.5); v once of 4 (0.25).
        //   u: positives (actual B) rows 3,4 → TP 1 (row 3), FN 1; negatives rows 1,2 → FP 1 (row 2), TN 1 → TPR 1/2, FPR 1/2
        //   v: positives row 3 → TP 1; negatives rows 1,2,4 → FP 0 → TPR 1, FPR 0
        // Class A: u selection 1/4, v 2/4.
        var counts = new FairnessCounts(["g"], ["A", "B", "C"]);
        (string Group, string Predicted, string Actual)[] rows =
            [("u", "A", "A"), ("u", "B", "A"), ("u", "B", "B"), ("u", "C", "B"), ("v", "A", "C"), ("v", "C", "C"), ("v", "B", "B"), ("v", "A", "A")];
        foreach (var (group, predicted, actual) in rows)
        {
            counts.Record([group], predicted, actual);
        }

        var report = new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(counts);

        Assert.Equal(["A", "B", "C"], report.Outcomes.Select(o => o.Outcome));
        var b = report.Outcome("B").Grouping("g");
        Assert.Equal(0.5, b.Group("u").SelectionRate.Value);
        Assert.Equal(0.25, b.Group("v").SelectionRate.Value);
        Assert.Equal((0.5, 0.5), (b.Group("u").TruePositiveRate.Value!.Value, b.Group("u").FalsePositiveRate.Value!.Value));
        Assert.Equal((1.0, 0.0), (b.Group("v").TruePositiveRate.Value!.Value, b.Group("v").FalsePositiveRate.Value!.Value));
        Assert.Equal(0.25, b.Figure(DemographicParityDifference, BetweenGroups).Value!.Value, 12);
        Assert.Equal(0.5, b.Figure(EqualizedOddsDifference, BetweenGroups).Value!.Value, 12);

        var a = report.Outcome("A").Grouping("g");
        Assert.Equal(0.25, a.Figure(DemographicParityDifference, BetweenGroups).Value!.Value, 12);
    }

    [Fact]
    public void Yes_no_outcomes_are_refused_when_the_counts_hold_several_classes()
    {
        var counts = new FairnessCounts(["g"], ["A", "B"]);

        Assert.Throws<InvalidOperationException>(() => counts.Record(["u"], true, false));
    }

    [Fact]
    public void Probabilities_become_outcomes_at_or_above_the_threshold()
    {
        double[] probabilities = [0.2, 0.5, 0.7, 0.49, 0.9, 0.1];
        string[] groups = ["u", "u", "u", "v", "v", "v"];
        var counts = new FairnessCounts(["g"], ["positive"]);
        for (var i = 0; i < probabilities.Length; i++)
        {
            counts.Record([groups[i]], BinaryPrediction.IsPositive(probabilities[i], threshold: 0.5), actualPositive: null);
        }

        // u: 0.5 and 0.7 are at or above 0.5 → 2/3; v: only 0.9 → 1/3.
        var grouping = new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(counts).Outcome("positive").Grouping("g");
        Assert.Equal(2.0 / 3, grouping.Group("u").SelectionRate.Value!.Value, 12);
        Assert.Equal(1.0 / 3, grouping.Group("v").SelectionRate.Value!.Value, 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryPrediction.IsPositive(1.2));
    }

    [Fact]
    public void A_binary_label_output_is_one_class_against_the_rest()
    {
        var counts = new FairnessCounts(["g"], [">50K"]);
        counts.Record(["u"], ">50K", ">50K");
        counts.Record(["u"], "<=50K", ">50K");
        counts.Record(["v"], ">50K", "<=50K");
        counts.Record(["v"], "<=50K", null);

        var grouping = new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(counts).Outcome(">50K").Grouping("g");

        Assert.Equal((1L, 1L), (grouping.Group("u").Counts.TruePositives, grouping.Group("u").Counts.FalseNegatives));
        Assert.Equal((1L, 1L), (grouping.Group("v").Counts.FalsePositives, grouping.Group("v").Counts.NotSelectedUnlabeled));
    }
}
