using Newtonsoft.Json.Linq;
using ServerlessML.Fairness;
using static ServerlessML.Fairness.DisparityMetric;

namespace ServerlessML.Tests.Fairness;

public sealed class BreachTests
{
    [Fact]
    public void Default_limits_turn_the_fairlearn_example_into_breaches_furthest_first()
    {
        var report = new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(FairnessData.FairlearnExample());

        // Between groups only (the default): equalized odds 1.0 vs 0.1 (0.9 over), parity 0.25 vs 0.1 (0.15 over),
        // disparate impact 2/3 vs 0.8 (2/15 under), equal opportunity 0.2 vs 0.1 (0.1 over).
        Assert.Equal(
            [EqualizedOddsDifference, DemographicParityDifference, DisparateImpact, EqualOpportunityDifference],
            report.Breaches.Select(b => b.Metric));
        Assert.All(report.Breaches, b => Assert.Equal(DisparityMethod.BetweenGroups, b.Method));

        var parity = report.Breaches[1];
        Assert.Equal((0.25, 0.1, LimitKind.Maximum), (parity.Value, parity.Limit, parity.LimitKind));
        Assert.Equal(0.15, parity.Excess, 12);
        Assert.Equal(("g=b", "g=a"), (parity.Group!.Label, parity.ComparedTo!.Label));
        Assert.Equal(BreachCertainty.NoInterval, parity.Certainty);
        Assert.Equal(
            "Outcome '1', groups by g, comparing the groups with each other: the gap in selection rates (demographic parity difference) is 0.25. " +
            "The selection rate is 50% for g=b against 75% for g=a. That is 0.15 above the maximum of 0.1. " +
            "No confidence interval was computed, so how certain this is is not known.",
            parity.Description);

        var impact = report.Breaches[2];
        Assert.Equal((LimitKind.Minimum, 0.8), (impact.LimitKind, impact.Limit));
        Assert.Equal(0.8 - (2.0 / 3), impact.Excess, 12);
    }

    [Fact]
    public void A_figure_at_its_limit_is_not_a_breach()
    {
        // Selection 4/10 against 3/10: 0.4 − 0.3 is 0.10000000000000003 in floating point, the limit 0.1 exactly.
        var counts = new FairnessCounts(["g"], ["1"]);
        FairnessData.Repeat(counts, "u", 4, true, null);
        FairnessData.Repeat(counts, "u", 6, false, null);
        FairnessData.Repeat(counts, "v", 3, true, null);
        FairnessData.Repeat(counts, "v", 7, false, null);
        var options = FairnessData.PointEstimatesOnly();
        options.Thresholds.MinDisparateImpact = null;

        var report = new FairnessEvaluator(options).Evaluate(counts);

        Assert.True(report.Outcome("1").Grouping("g").Figure(DemographicParityDifference, DisparityMethod.BetweenGroups).Value > 0.1);
        Assert.Empty(report.Breaches);
    }

    [Fact]
    public void A_clear_breach_on_large_groups_is_certain_and_its_interval_is_reported()
    {
        var counts = new FairnessCounts(["g"], ["1"]);
        FairnessData.Repeat(counts, "u", 200, true, null);
        FairnessData.Repeat(counts, "u", 800, false, null);
        FairnessData.Repeat(counts, "v", 500, true, null);
        FairnessData.Repeat(counts, "v", 500, false, null);

        var report = new FairnessEvaluator(new FairnessOptions { BootstrapResamples = 300, Seed = 2 }).Evaluate(counts);

        var parity = report.Breaches.Single(b => b.Metric == DemographicParityDifference);
        Assert.Equal(BreachCertainty.WholeIntervalBeyondLimit, parity.Certainty);
        Assert.True(parity.Interval!.Lower > 0.1);
        Assert.Contains("lies wholly above the limit", parity.Description);
        var impact = report.Breaches.Single(b => b.Metric == DisparateImpact);
        Assert.Equal(0.4, impact.Value, 12);
        Assert.Equal(BreachCertainty.WholeIntervalBeyondLimit, impact.Certainty);
    }

    [Fact]
    public void The_report_serializes_with_fairlearn_names_and_nulls_instead_of_made_up_numbers()
    {
        var report = new FairnessEvaluator(FairnessData.PointEstimatesOnly(minGroupSize: 5)).Evaluate(FairnessData.FairlearnExample());

        var json = JObject.FromObject(report);

        var grouping = json["outcomes"]![0]!["groupings"]![0]!;
        Assert.Equal("demographic_parity_difference", (string?)grouping["figures"]![0]!["metric"]);
        Assert.Equal("between_groups", (string?)grouping["figures"]![0]!["method"]);
        var a = grouping["groups"]![0]!;
        Assert.Equal("g=a", (string?)a["group"]!["label"]);
        Assert.Equal(JTokenType.Null, a["selectionRate"]!["value"]!.Type);
        Assert.Equal("below_minimum_size", (string?)a["selectionRate"]!["excludedBecause"]);
        Assert.Equal(0.1, (double)json["settings"]!["limits"]![0]!["limit"]!);
    }
}
