using ServerlessML.Monitoring;

namespace ServerlessML.Tests.Monitoring;

public sealed class DriftStatisticsTests
{
    // Evidently's test suite (tests/stattests/test_stattests.py): the values 1..6 repeated
    // [16, 18, 16, 14, 12, 12] times in the reference and [16, 16, 16, 16, 16, 8] in the current data.
    private static readonly long[] EvidentlyReference = [16, 18, 16, 14, 12, 12];
    private static readonly long[] EvidentlyCurrent = [16, 16, 16, 16, 16, 8];

    [Fact]
    public void Chi_square_of_Evidently_example_gives_its_published_p_value()
    {
        // Both totals are 88, so the expected counts are the reference counts: χ² = 4/18 + 4/14 + 16/12 + 16/12 = 3.1746.
        var result = DriftStatistics.ChiSquareAgainstReference(EvidentlyReference, EvidentlyCurrent);

        Assert.Equal(3.1746031746031744, result.Statistic, 1e-12);
        Assert.Equal(5, result.DegreesOfFreedom);
        Assert.Equal(0.67309, result.PValue, 1e-5);
    }

    [Fact]
    public void Chi_square_p_value_does_not_change_when_the_reference_is_doubled()
    {
        // Evidently's test_freq_obs_not_eq_freq_exp: expected counts are scaled to the current total.
        var doubled = EvidentlyReference.Select(count => count * 2).ToArray();

        Assert.Equal(0.67309, DriftStatistics.ChiSquareAgainstReference(doubled, EvidentlyCurrent).PValue, 1e-5);
    }

    [Fact]
    public void Psi_of_Evidently_example_treats_the_values_as_categories()
    {
        // Six unique values (≤ 20) make Evidently's get_binned_data compare value by value:
        // (18-16)/88·ln(18/16) + (14-16)/88·ln(14/16) + (12-16)/88·ln(12/16) + (12-8)/88·ln(12/8)
        // = 0.0026768 + 0.0030349 + 0.0130765 + 0.0184302 = 0.0372184.
        Assert.Equal(0.037218, DriftStatistics.Psi(EvidentlyReference, EvidentlyCurrent), 1e-6);
    }

    [Fact]
    public void Jensen_Shannon_of_Evidently_example_uses_the_natural_log()
    {
        // scipy.spatial.distance.jensenshannon(p, q) = 0.068048196; with base 2 it would be 0.081734.
        Assert.Equal(0.068048, DriftStatistics.JensenShannonDistance(EvidentlyReference, EvidentlyCurrent), 1e-6);
    }

    [Fact]
    public void Psi_fills_an_empty_reference_bin_with_a_ten_thousandth_as_Evidently_does()
    {
        // Reference [50, 30, 20, 0] against current [40, 30, 20, 10], 100 each. The smallest non-zero reference
        // share is 0.2 > 0.0001, so the empty bin becomes 0.0001:
        // (0.5-0.4)·ln(0.5/0.4) + (0.0001-0.1)·ln(0.0001/0.1) = 0.0223144 + 0.6900848 = 0.7123991.
        Assert.Equal(0.7123991075017365, DriftStatistics.Psi([50, 30, 20, 0], [40, 30, 20, 10]), 1e-12);
    }

    [Fact]
    public void Psi_fill_for_tiny_shares_is_the_smallest_share_over_a_million()
    {
        var shares = new[] { 0.99995, 0.00005, 0 };

        DriftStatistics.FillEmptyProportions(shares);

        Assert.Equal(0.00005 / 1e6, shares[2], 1e-20);
    }

    [Fact]
    public void Jensen_Shannon_leaves_empty_bins_at_zero()
    {
        // p = [.5, .3, .2, 0], q = [.4, .3, .2, .1]; scipy gives 0.19349646201204068 (no filling).
        Assert.Equal(0.19349646201204068, DriftStatistics.JensenShannonDistance([50, 30, 20, 0], [40, 30, 20, 10]), 1e-12);
    }

    [Fact]
    public void Chi_square_with_a_category_absent_from_the_reference_is_certain_drift()
    {
        var result = DriftStatistics.ChiSquareAgainstReference([50, 50, 0], [40, 40, 20]);

        Assert.True(double.IsPositiveInfinity(result.Statistic));
        Assert.Equal(0, result.PValue);
    }

    [Fact]
    public void Z_test_matches_a_hand_computation()
    {
        // Second category: 40/100 in the reference, 55/100 now. Pooled P = 0.475,
        // z = (0.40 - 0.55) / √(0.475·0.525·(1/100 + 1/100)) = -0.15 / 0.0706222 = -2.1239770, p = 2·Φ(-2.124) = 0.0336721.
        var result = DriftStatistics.ProportionsZTest([60, 40], [45, 55]);

        Assert.Equal(-2.1239769762143665, result.Statistic, 1e-12);
        Assert.Equal(0.03367206885634566, result.PValue, 1e-10);
    }

    [Fact]
    public void Kolmogorov_Smirnov_on_Evidently_samples_matches_scipy_asymp()
    {
        double[] reference = [38.7, 41.5, 43.8, 44.5, 45.5, 46.0, 47.7, 58.0];
        double[] current = [39.2, 39.3, 39.7, 41.4, 41.8, 42.9, 43.3, 45.8];

        var result = DriftStatistics.KolmogorovSmirnov(reference, current);

        // At 43.3, 2/8 of the reference and 7/8 of the current lie at or below: D = 5/8.
        // scipy.stats.ks_2samp(a, b, method="asymp") = (0.625, 0.04931640625) = kstwo.sf(0.625, 4).
        Assert.Equal(0.625, result.Statistic, 1e-15);
        Assert.Equal(0.04931640625, result.PValue, 1e-12);
    }

    [Fact]
    public void Kolmogorov_Smirnov_on_generated_samples_matches_scipy_asymp()
    {
        var (reference, current) = GeneratedSamples();

        var result = DriftStatistics.KolmogorovSmirnov(reference, current);

        Assert.Equal(0.11583333333333329, result.Statistic, 1e-12);
        Assert.Equal(0.018669589822009277, result.PValue, 1e-9);
        Assert.Equal(300, result.ReferenceCount);
        Assert.Equal(400, result.CurrentCount);
    }

    [Fact]
    public void Wasserstein_matches_scipy_on_generated_samples()
    {
        var (reference, current) = GeneratedSamples();

        Assert.Equal(0.07662478576003694, DriftStatistics.Wasserstein(reference, current), 1e-12);
        Assert.Equal(0.26399865650191695, DriftStatistics.NormedWasserstein(reference, current), 1e-12);
    }

    [Fact]
    public void Normed_Wasserstein_matches_a_hand_computation()
    {
        // Shifting [0, 1, 2, 3] by one moves all mass by 1: W1 = 1. np.std([0, 1, 2, 3]) = √1.25 = 1.1180340,
        // so the normed distance is 1 / 1.1180340 = 0.8944272.
        Assert.Equal(0.8944271909999159, DriftStatistics.NormedWasserstein([0, 1, 2, 3], [1, 2, 3, 4]), 1e-12);
        // [0, 0, 1, 1] against [0, 1, 1, 1]: the CDFs differ by 1/4 on [0, 1): W1 = 0.25.
        Assert.Equal(0.25, DriftStatistics.Wasserstein([0, 0, 1, 1], [0, 1, 1, 1]), 1e-15);
        // Evidently's small samples: scipy gives W1 = 4.1625 and 0.781236105789365 normed.
        Assert.Equal(0.781236105789365,
            DriftStatistics.NormedWasserstein([38.7, 41.5, 43.8, 44.5, 45.5, 46.0, 47.7, 58.0], [39.2, 39.3, 39.7, 41.4, 41.8, 42.9, 43.3, 45.8]), 1e-12);
    }

    [Fact]
    public void Misaligned_counts_are_refused_with_the_reason()
    {
        var error = Assert.Throws<ArgumentException>(() => DriftStatistics.Psi([1, 2, 3], [1, 2]));

        Assert.Contains("aligned", error.Message);
    }

    // The same formulas produce the arrays in Python: [((i*7919) % 1000)/1000 for i in range(300)] and
    // [(((i*104729) % 997)/997)**1.3 for i in range(400)].
    internal static (double[] Reference, double[] Current) GeneratedSamples() =>
        (Enumerable.Range(0, 300).Select(i => (i * 7919 % 1000) / 1000.0).ToArray(),
         Enumerable.Range(0, 400).Select(i => Math.Pow((i * 104729L % 997) / 997.0, 1.3)).ToArray());
}
