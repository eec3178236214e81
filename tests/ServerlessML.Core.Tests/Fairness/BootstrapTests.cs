using Newtonsoft.Json;
using ServerlessML.Fairness;
using static ServerlessML.Fairness.DisparityMethod;
using static ServerlessML.Fairness.DisparityMetric;

namespace ServerlessML.Tests.Fairness;

public sealed class BootstrapTests
{
    [Fact]
    public void The_same_seed_gives_the_same_intervals_and_another_seed_other_ones()
    {
        var counts = FairnessData.FairlearnExample();
        string Intervals(long seed) => JsonConvert.SerializeObject(
            new FairnessEvaluator(new FairnessOptions { MinGroupSize = 1, BootstrapResamples = 200, Seed = seed })
                .Evaluate(counts).Outcome("1").Grouping("g").Figures.Select(f => f.Interval));

        Assert.Equal(Intervals(42), Intervals(42));
        Assert.NotEqual(Intervals(42), Intervals(43));
    }

    [Fact]
    public void Every_computed_figure_has_an_interval_that_contains_its_point_estimate()
    {
        var grouping = new FairnessEvaluator(new FairnessOptions { MinGroupSize = 1, BootstrapResamples = 400, Seed = 1 })
            .Evaluate(FairnessData.FairlearnExample()).Outcome("1").Grouping("g");

        Assert.All(grouping.Figures, figure =>
        {
            var interval = Assert.IsType<ConfidenceInterval>(figure.Interval);
            Assert.True(interval.Contains(figure.Value!.Value), $"{figure.Metric} {figure.Method}: {figure.Value} outside [{interval.Lower}, {interval.Upper}]");
            Assert.Equal(400, interval.Resamples);
            Assert.Equal(0.95, interval.Level);
        });

        // b has one labelled negative (FPR 0/1); resamples that draw none for b leave FPR figures undefined, and say so.
        Assert.True(grouping.Figure(EqualizedOddsDifference, BetweenGroups).Interval!.UndefinedResamples > 0);
        Assert.Equal(0, grouping.Figure(DemographicParityDifference, BetweenGroups).Interval!.UndefinedResamples);
    }

    [Fact]
    public void For_two_large_groups_the_interval_matches_the_normal_approximation_of_a_difference_of_proportions()
    {
        // Selection 300/1000 against 500/1000: difference 0.2, standard error sqrt(0.3·0.7/1000 + 0.5·0.5/1000) ≈ 0.02145,
        // so a 95% interval of about 0.2 ± 0.042.
        var counts = new FairnessCounts(["g"], ["1"]);
        FairnessData.Repeat(counts, "u", 300, true, null);
        FairnessData.Repeat(counts, "u", 700, false, null);
        FairnessData.Repeat(counts, "v", 500, true, null);
        FairnessData.Repeat(counts, "v", 500, false, null);

        var interval = new FairnessEvaluator(new FairnessOptions { BootstrapResamples = 2000, Seed = 5 })
            .Evaluate(counts).Outcome("1").Grouping("g").Figure(DemographicParityDifference, BetweenGroups).Interval!;

        Assert.InRange(interval.Lower, 0.2 - 0.042 - 0.006, 0.2 - 0.042 + 0.006);
        Assert.InRange(interval.Upper, 0.2 + 0.042 - 0.006, 0.2 + 0.042 + 0.006);
    }

    [Fact]
    public void No_interval_is_given_when_most_resamples_cannot_compute_the_figure()
    {
        // Each group has a single labelled positive among 20 labelled rows: a resample keeps it with probability
        // 1 − (19/20)^20 ≈ 0.64, so both groups keep theirs in only about 41% of resamples.
        var counts = new FairnessCounts(["g"], ["1"]);
        foreach (var group in new[] { "u", "v" })
        {
            FairnessData.Repeat(counts, group, 1, true, true);
            FairnessData.Repeat(counts, group, 19, group == "u", false);
        }

        var grouping = new FairnessEvaluator(new FairnessOptions { MinGroupSize = 1, BootstrapResamples = 300, Seed = 6 })
            .Evaluate(counts).Outcome("1").Grouping("g");

        var opportunity = grouping.Figure(EqualOpportunityDifference, BetweenGroups);
        Assert.Equal(0.0, opportunity.Value);
        Assert.Null(opportunity.Interval);
        Assert.NotNull(grouping.Figure(DemographicParityDifference, BetweenGroups).Interval);
    }

    [Fact]
    public void Without_resamples_no_interval_is_computed()
    {
        var report = new FairnessEvaluator(FairnessData.PointEstimatesOnly()).Evaluate(FairnessData.FairlearnExample());

        Assert.All(report.Outcome("1").Grouping("g").Figures, f => Assert.Null(f.Interval));
    }

    [Theory]
    [InlineData(1_000_000L, 0.3)] // transformed rejection
    [InlineData(40L, 0.1)] // inversion
    [InlineData(500L, 0.93)] // mirrored through 1 - p
    public void Binomial_draws_have_the_binomial_mean_and_variance(long n, double p)
    {
        var random = new SeededRandom(9);
        const int draws = 20_000;
        var values = Enumerable.Range(0, draws).Select(_ => (double)BinomialSampler.Next(random, n, p)).ToArray();

        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (draws - 1);
        var expectedVariance = n * p * (1 - p);
        Assert.InRange(mean, (n * p) - (5 * Math.Sqrt(expectedVariance / draws)), (n * p) + (5 * Math.Sqrt(expectedVariance / draws)));
        Assert.InRange(variance / expectedVariance, 0.95, 1.05);
        Assert.All(values, v => Assert.InRange(v, 0, n));
    }

    [Fact]
    public void Multinomial_draws_sum_to_n_and_give_each_cell_its_share()
    {
        var random = new SeededRandom(4);
        long[] weights = [1, 2, 0, 3, 4];
        const int draws = 5000;
        const long n = 1000;
        var sums = new double[weights.Length];
        var drawn = new long[weights.Length];
        for (var d = 0; d < draws; d++)
        {
            BinomialSampler.Multinomial(random, n, weights, drawn);
            Assert.Equal(n, drawn.Sum());
            for (var i = 0; i < drawn.Length; i++)
            {
                sums[i] += drawn[i];
            }
        }

        for (var i = 0; i < weights.Length; i++)
        {
            var share = weights[i] / 10.0;
            var tolerance = 5 * Math.Sqrt(n * share * (1 - share) / draws);
            Assert.InRange(sums[i] / draws, (n * share) - tolerance, (n * share) + tolerance);
        }
    }

    [Fact]
    public void Quantiles_interpolate_linearly_like_numpy()
    {
        double[] sorted = [1, 2, 3, 4];

        // numpy.quantile([1, 2, 3, 4], [0.025, 0.5, 0.975]) → [1.075, 2.5, 3.925]
        Assert.Equal(1.075, FairnessEvaluator.Quantile(sorted, 0.025), 12);
        Assert.Equal(2.5, FairnessEvaluator.Quantile(sorted, 0.5), 12);
        Assert.Equal(3.925, FairnessEvaluator.Quantile(sorted, 0.975), 12);
    }
}
