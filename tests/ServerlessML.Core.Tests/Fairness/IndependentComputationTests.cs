using ServerlessML.Fairness;
using static ServerlessML.Fairness.DisparityMethod;
using static ServerlessML.Fairness.DisparityMetric;

namespace ServerlessML.Tests.Fairness;

/// <summary>The evaluator against straightforward row-level computations of the same definitions.</summary>
public sealed class IndependentComputationTests
{
    private sealed record Row(string Sex, string Race, bool Predicted, bool? Actual);

    [Fact]
    public void Figures_equal_a_row_level_computation_of_the_fairlearn_definitions()
    {
        var rows = Rows(seed: 21, count: 2000);
        var counts = new FairnessCounts(["sex", "race"], ["1"]);
        foreach (var r in rows)
        {
            counts.Record([r.Sex, r.Race], r.Predicted, r.Actual);
        }

        var grouping = new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(counts).Outcome("1").Grouping("sex", "race");

        var groups = rows.GroupBy(r => (r.Sex, r.Race)).ToList();
        double Selection(IEnumerable<Row> g) => g.Average(r => r.Predicted ? 1.0 : 0.0);
        double Tpr(IEnumerable<Row> g) => g.Where(r => r.Actual == true).Average(r => r.Predicted ? 1.0 : 0.0);
        double Fpr(IEnumerable<Row> g) => g.Where(r => r.Actual == false).Average(r => r.Predicted ? 1.0 : 0.0);
        double Spread(Func<IEnumerable<Row>, double> rate) => groups.Max(rate) - groups.Min(rate);
        double DistanceToOverall(Func<IEnumerable<Row>, double> rate) => groups.Max(g => Math.Abs(rate(g) - rate(rows)));
        double RatioToOverall(Func<IEnumerable<Row>, double> rate) =>
            groups.Min(g => rate(g) / rate(rows) > 1 ? rate(rows) / rate(g) : rate(g) / rate(rows));

        Assert.Equal(Spread(Selection), grouping.Figure(DemographicParityDifference, BetweenGroups).Value!.Value, 12);
        Assert.Equal(groups.Min(Selection) / groups.Max(Selection), grouping.Figure(DemographicParityRatio, BetweenGroups).Value!.Value, 12);
        Assert.Equal(Math.Max(Spread(Tpr), Spread(Fpr)), grouping.Figure(EqualizedOddsDifference, BetweenGroups).Value!.Value, 12);
        Assert.Equal((Spread(Tpr) + Spread(Fpr)) / 2, grouping.Figure(EqualizedOddsDifferenceMean, BetweenGroups).Value!.Value, 12);
        Assert.Equal(DistanceToOverall(Selection), grouping.Figure(DemographicParityDifference, ToOverall).Value!.Value, 12);
        Assert.Equal(Math.Max(DistanceToOverall(Tpr), DistanceToOverall(Fpr)), grouping.Figure(EqualizedOddsDifference, ToOverall).Value!.Value, 12);
        Assert.Equal(RatioToOverall(Tpr), grouping.Figure(EqualOpportunityRatio, ToOverall).Value!.Value, 12);
        Assert.Equal(RatioToOverall(Selection), grouping.Figure(DisparateImpact, ToOverall).Value!.Value, 12);
    }

    [Fact]
    public void Resampling_counts_gives_the_intervals_of_resampling_rows_within_each_group()
    {
        // The claim behind the count bootstrap: drawing a group's cells from a multinomial is drawing its rows with
        // replacement. Here the rows themselves are resampled within (group, labelled or not) and the two 95%
        // intervals of the demographic parity and equal opportunity differences compared.
        var rows = Rows(seed: 8, count: 600).Select(r => r with { Race = "-" }).ToArray();
        var counts = new FairnessCounts(["sex"], ["1"]);
        foreach (var r in rows)
        {
            counts.Record([r.Sex], r.Predicted, r.Actual);
        }

        var grouping = new FairnessEvaluator(new FairnessOptions { MinGroupSize = 1, BootstrapResamples = 4000, Seed = 17 })
            .Evaluate(counts).Outcome("1").Grouping("sex");

        var strata = rows.GroupBy(r => (r.Sex, Labelled: r.Actual is not null)).Select(g => g.ToArray()).ToArray();
        var random = new Random(99);
        var parity = new List<double>();
        var opportunity = new List<double>();
        for (var b = 0; b < 4000; b++)
        {
            var sample = strata.SelectMany(s => Enumerable.Range(0, s.Length).Select(_ => s[random.Next(s.Length)])).ToArray();
            var bySex = sample.GroupBy(r => r.Sex).ToArray();
            var selection = bySex.Select(g => g.Average(r => r.Predicted ? 1.0 : 0.0)).ToArray();
            var tpr = bySex.Select(g => g.Where(r => r.Actual == true).Average(r => r.Predicted ? 1.0 : 0.0)).ToArray();
            parity.Add(selection.Max() - selection.Min());
            opportunity.Add(tpr.Max() - tpr.Min());
        }

        AssertClose(Percentiles(parity), grouping.Figure(DemographicParityDifference, BetweenGroups).Interval!);
        AssertClose(Percentiles(opportunity), grouping.Figure(EqualOpportunityDifference, BetweenGroups).Interval!);
    }

    private static (double Lower, double Upper) Percentiles(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return (FairnessEvaluator.Quantile(sorted, 0.025), FairnessEvaluator.Quantile(sorted, 0.975));
    }

    private static void AssertClose((double Lower, double Upper) rowLevel, ConfidenceInterval fromCounts)
    {
        // Two Monte Carlo estimates of the same percentiles, 4000 resamples each: they agree to about 0.01.
        Assert.InRange(fromCounts.Lower, rowLevel.Lower - 0.015, rowLevel.Lower + 0.015);
        Assert.InRange(fromCounts.Upper, rowLevel.Upper - 0.015, rowLevel.Upper + 0.015);
    }

    private static Row[] Rows(int seed, int count)
    {
        var random = new Random(seed);
        string[] sexes = ["F", "M"];
        string[] races = ["A", "B", "C"];
        return Enumerable.Range(0, count).Select(_ =>
        {
            var sex = sexes[random.Next(sexes.Length)];
            var race = races[random.Next(races.Length)];
            var actual = random.NextDouble() < 0.4;
            var predicted = random.NextDouble() < (actual ? (sex == "F" ? 0.6 : 0.75) : 0.2);
            return new Row(sex, race, predicted, random.NextDouble() < 0.25 ? null : actual);
        }).ToArray();
    }
}
