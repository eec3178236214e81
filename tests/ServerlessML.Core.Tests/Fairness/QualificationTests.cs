using ServerlessML.Fairness;
using static ServerlessML.Fairness.DisparityMethod;
using static ServerlessML.Fairness.DisparityMetric;

namespace ServerlessML.Tests.Fairness;

public sealed class QualificationTests
{
    [Fact]
    public void Groups_under_the_minimum_size_are_flagged_and_left_out_of_the_figures_not_dropped()
    {
        // Fairlearn example with a minimum of 5 rows: a (n 4) is left out; b and c (selection 0.5 each) remain.
        var grouping = new FairnessEvaluator(FairnessData.PointEstimatesOnly(minGroupSize: 5))
            .Evaluate(FairnessData.FairlearnExample()).Outcome("1").Grouping("g");

        var a = grouping.Group("a");
        Assert.Equal(4, a.N);
        Assert.Null(a.SelectionRate.Value);
        Assert.Equal(ExclusionReason.BelowMinimumSize, a.SelectionRate.ExcludedBecause);
        Assert.Equal("4 rows, below the minimum of 5", a.SelectionRate.Detail);
        Assert.Equal(ExclusionReason.BelowMinimumSize, a.TruePositiveRate.ExcludedBecause);

        var parity = grouping.Figure(DemographicParityDifference, BetweenGroups);
        Assert.Equal(0.0, parity.Value!.Value, 12);
        Assert.Equal(2, parity.GroupsCompared);
        Assert.Equal(("g=b", "g=c"), (parity.Group!.Label, parity.ComparedTo!.Label));
        var excluded = Assert.Single(parity.ExcludedGroups);
        Assert.Equal(("g=a", ExclusionReason.BelowMinimumSize), (excluded.Group.Label, excluded.Reason));

        // to_overall still compares with everyone, a's rows included (selection 5/9): |0.5 − 5/9| = 1/18.
        Assert.Equal(1.0 / 18, grouping.Figure(DemographicParityDifference, ToOverall).Value!.Value, 12);
    }

    [Fact]
    public void Figures_with_fewer_than_two_qualifying_groups_are_null_with_the_reason()
    {
        // Minimum 7: only c (n 8) qualifies.
        var grouping = new FairnessEvaluator(FairnessData.PointEstimatesOnly(minGroupSize: 7))
            .Evaluate(FairnessData.FairlearnExample()).Outcome("1").Grouping("g");

        foreach (var figure in grouping.Figures)
        {
            Assert.Null(figure.Value);
            Assert.StartsWith("fewer than two groups qualify", figure.NotComputedBecause);
        }
    }

    [Fact]
    public void A_group_without_labelled_positives_has_no_true_positive_rate_and_is_left_out_of_that_rate_only()
    {
        // p: TP 2, FN 2, FP 1, TN 3; q: TP 3, FN 1, FP 2, TN 2; z: labelled negatives only, FP 1, TN 3.
        var counts = FairnessData.Binary(["g"],
            [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            [1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0],
            ["p", "p", "p", "p", "p", "p", "p", "p", "q", "q", "q", "q", "q", "q", "q", "q", "z", "z", "z", "z"]);
        var grouping = new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(counts).Outcome("1").Grouping("g");

        var z = grouping.Group("z");
        Assert.Null(z.TruePositiveRate.Value);
        Assert.Equal(ExclusionReason.NoPositives, z.TruePositiveRate.ExcludedBecause);
        Assert.Equal(0.25, z.FalsePositiveRate.Value!.Value, 12);

        // TPR over p (1/2) and q (3/4) only → 1/4; FPR over all three (1/4, 1/2, 1/4) → 1/4.
        var opportunity = grouping.Figure(EqualOpportunityDifference, BetweenGroups);
        Assert.Equal(0.25, opportunity.Value!.Value, 12);
        var excluded = Assert.Single(opportunity.ExcludedGroups);
        Assert.Equal((RateKind.TruePositiveRate, ExclusionReason.NoPositives), (excluded.Rate, excluded.Reason));
        Assert.Equal(3, grouping.Figure(DemographicParityDifference, BetweenGroups).GroupsCompared);
        Assert.Empty(grouping.Figure(DemographicParityDifference, BetweenGroups).ExcludedGroups);
    }

    [Fact]
    public void Before_labels_arrive_selection_figures_are_computed_and_label_figures_say_why_not()
    {
        // -1: no label yet. s: 3 of 4 selected; t: 1 of 4 selected.
        var counts = FairnessData.Binary(["g"], [-1, -1, -1, -1, -1, -1, -1, -1], [1, 1, 1, 0, 1, 0, 0, 0], ["s", "s", "s", "s", "t", "t", "t", "t"]);
        var grouping = new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(counts).Outcome("1").Grouping("g");

        Assert.Equal(0.5, grouping.Figure(DemographicParityDifference, BetweenGroups).Value!.Value, 12);
        Assert.Equal(ExclusionReason.NoLabels, grouping.Group("s").TruePositiveRate.ExcludedBecause);
        Assert.Equal(ExclusionReason.NoLabels, grouping.Group("s").Accuracy.ExcludedBecause);
        var odds = grouping.Figure(EqualizedOddsDifference, BetweenGroups);
        Assert.Null(odds.Value);
        Assert.Equal("fewer than two groups qualify for the true positive rate", odds.NotComputedBecause);
    }

    [Fact]
    public void Ratios_of_all_zero_rates_are_null_while_the_difference_is_a_measured_zero()
    {
        var counts = FairnessData.Binary(["g"], [0, 0, 1, 0, 0, 1], [0, 0, 0, 0, 0, 0], ["u", "u", "u", "v", "v", "v"]);
        var grouping = new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(counts).Outcome("1").Grouping("g");

        Assert.Equal(0.0, grouping.Figure(DemographicParityDifference, BetweenGroups).Value);
        var ratio = grouping.Figure(DemographicParityRatio, BetweenGroups);
        Assert.Null(ratio.Value);
        Assert.Equal("every qualifying group has a selection rate of 0, so the ratio is 0/0", ratio.NotComputedBecause);
        Assert.Null(grouping.Figure(DemographicParityRatio, ToOverall).Value);
    }

    [Fact]
    public void A_rate_is_flagged_when_its_own_denominator_is_under_the_minimum_even_if_the_group_is_large()
    {
        // r: 8 labelled rows, 2 positives (TP 0, FN 2), 6 negatives (FP 1, TN 5); s: 4 positives (TP 3, FN 1), 4 negatives (FP 1, TN 3).
        var counts = FairnessData.Binary(["g"],
            [1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0],
            [0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0],
            ["r", "r", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s", "s", "s"]);
        var grouping = new FairnessEvaluator(FairnessData.PointEstimatesOnly(minGroupSize: 3)).Evaluate(counts).Outcome("1").Grouping("g");

        var r = grouping.Group("r");
        Assert.Equal(0.125, r.SelectionRate.Value);
        Assert.Equal(5.0 / 8, r.Accuracy.Value);
        Assert.Null(r.TruePositiveRate.Value);
        Assert.Equal((ExclusionReason.BelowMinimumSize, 2L), (r.TruePositiveRate.ExcludedBecause, r.TruePositiveRate.SampleSize));
        Assert.Equal("2 labelled positives, below the minimum of 3 for a true positive rate", r.TruePositiveRate.Detail);
        Assert.Equal(1.0 / 6, r.FalsePositiveRate.Value);

        // One group is left with a TPR: equal opportunity, and equalized odds (its worst case needs the TPR gap), are not
        // computed and say why; parity still compares both groups: |1/8 − 4/8|.
        Assert.Null(grouping.Figure(DisparityMetric.EqualOpportunityDifference, BetweenGroups).Value);
        Assert.NotNull(grouping.Figure(DisparityMetric.EqualizedOddsDifference, BetweenGroups).NotComputedBecause);
        Assert.Equal(0.375, grouping.Figure(DisparityMetric.DemographicParityDifference, BetweenGroups).Value!.Value, 12);
    }
}
