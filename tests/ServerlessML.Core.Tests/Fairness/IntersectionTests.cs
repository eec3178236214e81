using ServerlessML.Fairness;
using static ServerlessML.Fairness.DisparityMethod;
using static ServerlessML.Fairness.DisparityMetric;

namespace ServerlessML.Tests.Fairness;

/// <summary>
/// Two features. Rows (sex, race, y_true, y_pred), by hand:
///   F,X: (1,1) TP, (1,0) FN, (0,0) TN, (0,1) FP       → n 4, selection 2/4, TPR 1/2, FPR 1/2
///   F,Y: (1,1) TP, (1,1) TP, (0,0) TN                 → n 3, selection 2/3, TPR 2/2, FPR 0/1
///   F,Z: (0,0) TN, (1,1) TP                           → n 2, selection 1/2, TPR 1/1, FPR 0/1
///   M,X: (1,1) TP, (0,1) FP, (0,1) FP, (0,0) TN, (1,0) FN → n 5, selection 3/5, TPR 1/2, FPR 2/3
///   M,Y and M,Z: no rows (empty intersections)
/// Marginals: sex=F n 9 (TP 4, FN 1, FP 1, TN 3), selection 5/9; sex=M n 5, selection 3/5;
///            race=X n 9 (TP 2, FN 2, FP 3, TN 2), selection 5/9; race=Y n 3, selection 2/3; race=Z n 2, selection 1/2.
/// </summary>
public sealed class IntersectionTests
{
    private const int Precision = 12;

    private static readonly string[] Sex = ["F", "F", "F", "F", "F", "F", "F", "F", "F", "M", "M", "M", "M", "M"];
    private static readonly string[] Race = ["X", "X", "X", "X", "Y", "Y", "Y", "Z", "Z", "X", "X", "X", "X", "X"];
    private static readonly int[] True = [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1];
    private static readonly int[] Pred = [1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0];

    private static readonly OutcomeFairness Outcome = new FairnessEvaluator(FairnessData.PointEstimatesOnly())
        .Evaluate(FairnessData.Binary(["sex", "race"], True, Pred, Sex, Race)).Outcome("1");

    [Fact]
    public void Every_single_feature_and_the_intersection_is_reported_smallest_first()
    {
        Assert.Equal(["sex", "race", "sex,race"], Outcome.Groupings.Select(g => string.Join(",", g.Features)));
    }

    [Fact]
    public void Intersection_groups_match_the_hand_computation_and_empty_ones_are_listed_as_empty()
    {
        var grouping = Outcome.Grouping("sex", "race");
        Assert.Equal(["F,X", "F,Y", "F,Z", "M,X", "M,Y", "M,Z"], grouping.Groups.Select(g => string.Join(",", g.Group.Values)));

        Assert.Equal(0.5, grouping.Group("F", "X").SelectionRate.Value!.Value, Precision);
        Assert.Equal(2.0 / 3, grouping.Group("F", "Y").SelectionRate.Value!.Value, Precision);
        Assert.Equal(0.6, grouping.Group("M", "X").SelectionRate.Value!.Value, Precision);
        Assert.Equal(2.0 / 3, grouping.Group("M", "X").FalsePositiveRate.Value!.Value, Precision);
        Assert.Equal(1.0, grouping.Group("F", "Z").TruePositiveRate.Value!.Value, Precision);

        foreach (var empty in new[] { grouping.Group("M", "Y"), grouping.Group("M", "Z") })
        {
            Assert.True(empty.IsEmpty);
            Assert.Null(empty.SelectionRate.Value);
            Assert.Equal(ExclusionReason.Empty, empty.SelectionRate.ExcludedBecause);
            Assert.Equal(ExclusionReason.Empty, empty.TruePositiveRate.ExcludedBecause);
        }

        // Qualifying selection rates 1/2, 2/3, 1/2, 3/5 → difference 2/3 − 1/2 = 1/6, lowest F,X (first of the tie), highest F,Y.
        var parity = grouping.Figure(DemographicParityDifference, BetweenGroups);
        Assert.Equal(1.0 / 6, parity.Value!.Value, Precision);
        Assert.Equal("sex=F, race=X", parity.Group!.Label);
        Assert.Equal("sex=F, race=Y", parity.ComparedTo!.Label);
        Assert.Equal(4, parity.GroupsCompared);
        Assert.Equal(["sex=M, race=Y", "sex=M, race=Z"], parity.ExcludedGroups.Select(e => e.Group.Label));
        Assert.All(parity.ExcludedGroups, e => Assert.Equal(ExclusionReason.Empty, e.Reason));

        // TPR 1/2, 1, 1, 1/2 → 1/2; FPR 1/2, 0, 0, 2/3 → 2/3; equalized odds takes 2/3.
        Assert.Equal(0.5, grouping.Figure(EqualOpportunityDifference, BetweenGroups).Value!.Value, Precision);
        Assert.Equal(2.0 / 3, grouping.Figure(EqualizedOddsDifference, BetweenGroups).Value!.Value, Precision);
    }

    [Fact]
    public void Single_feature_groups_are_sums_of_the_intersection_cells()
    {
        var sex = Outcome.Grouping("sex");
        var female = sex.Group("F");
        Assert.Equal((9L, 4L, 1L, 1L, 3L), (female.N, female.Counts.TruePositives, female.Counts.FalseNegatives, female.Counts.FalsePositives, female.Counts.TrueNegatives));
        Assert.Equal(5.0 / 9, female.SelectionRate.Value!.Value, Precision);
        Assert.Equal(0.6, sex.Group("M").SelectionRate.Value!.Value, Precision);

        var race = Outcome.Grouping("race");
        Assert.Equal(["X", "Y", "Z"], race.Groups.Select(g => g.Group.Values[0]));
        Assert.Equal(5.0 / 9, race.Group("X").SelectionRate.Value!.Value, Precision);
        Assert.Equal(0.6, race.Group("X").FalsePositiveRate.Value!.Value, Precision);
        // race selection rates 5/9, 2/3, 1/2 → difference 1/6, ratio 3/4.
        Assert.Equal(1.0 / 6, race.Figure(DemographicParityDifference, BetweenGroups).Value!.Value, Precision);
        Assert.Equal(0.75, race.Figure(DemographicParityRatio, BetweenGroups).Value!.Value, Precision);
    }
}
