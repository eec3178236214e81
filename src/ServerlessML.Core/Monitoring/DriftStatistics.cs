namespace ServerlessML.Monitoring;

/// <summary>
/// The drift statistics themselves, on counts or on raw samples, with Evidently's conventions (the
/// <c>evidently.calculations.stattests</c> modules) and scipy's numerics. <see cref="DriftCalculator"/> applies
/// them to stored aggregates; the raw-sample forms are exact and serve tests and small data.
/// </summary>
public static class DriftStatistics
{
    /// <summary>
    /// Population Stability Index Σ (rᵢ - cᵢ) ln(rᵢ / cᵢ) over aligned bins or categories, on proportions
    /// of each side's total, after Evidently's empty-bin handling (<see cref="FillEmptyProportions"/>).
    /// </summary>
    public static double Psi(IReadOnlyList<long> referenceCounts, IReadOnlyList<long> currentCounts)
    {
        var (reference, current) = Proportions(referenceCounts, currentCounts);
        FillEmptyProportions(reference);
        FillEmptyProportions(current);
        var psi = 0.0;
        for (var i = 0; i < reference.Length; i++)
        {
            psi += (reference[i] - current[i]) * Math.Log(reference[i] / current[i]);
        }

        return psi;
    }

    /// <summary>
    /// Evidently's <c>get_binned_data(feel_zeroes=True)</c>: every zero proportion becomes 0.0001, or, when the
    /// smallest non-zero proportion is itself at most 0.0001, that smallest proportion divided by 10⁶.
    /// Each side is filled on its own; the proportions are not renormalized afterwards.
    /// </summary>
    public static void FillEmptyProportions(double[] proportions)
    {
        ArgumentNullException.ThrowIfNull(proportions);
        var smallestNonZero = proportions.Where(p => p != 0).DefaultIfEmpty(double.NaN).Min();
        if (double.IsNaN(smallestNonZero))
        {
            throw new ArgumentException("Every proportion is zero; there is nothing to compare.", nameof(proportions));
        }

        var fill = smallestNonZero <= 0.0001 ? smallestNonZero / 1e6 : 0.0001;
        for (var i = 0; i < proportions.Length; i++)
        {
            if (proportions[i] == 0)
            {
                proportions[i] = fill;
            }
        }
    }

    /// <summary>
    /// Jensen-Shannon distance with the natural logarithm, √((KL(p‖m) + KL(q‖m)) / 2), m = (p + q)/2, on the
    /// normalized counts, with 0·ln 0 = 0 and no filling of empty bins (scipy <c>spatial.distance.jensenshannon</c>,
    /// as Evidently calls it with <c>base=None</c>). Lies in [0, √ln 2].
    /// </summary>
    public static double JensenShannonDistance(IReadOnlyList<long> referenceCounts, IReadOnlyList<long> currentCounts)
    {
        var (p, q) = Proportions(referenceCounts, currentCounts);
        var divergence = 0.0;
        for (var i = 0; i < p.Length; i++)
        {
            var m = (p[i] + q[i]) / 2;
            if (p[i] > 0)
            {
                divergence += p[i] * Math.Log(p[i] / m);
            }

            if (q[i] > 0)
            {
                divergence += q[i] * Math.Log(q[i] / m);
            }
        }

        return Math.Sqrt(Math.Max(divergence / 2, 0));
    }

    /// <summary>
    /// Pearson's chi-square goodness of fit (scipy <c>stats.chisquare(observed, expected)</c>): Σ (o - e)²/e with
    /// k - 1 degrees of freedom. A category expected 0 but observed is impossible under the hypothesis: the
    /// statistic is then +∞ and the p-value 0. With one category there is nothing to test: p = 1.
    /// </summary>
    public static ChiSquareResult ChiSquareGoodnessOfFit(IReadOnlyList<double> observed, IReadOnlyList<double> expected)
    {
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(expected);
        if (observed.Count != expected.Count || observed.Count == 0)
        {
            throw new ArgumentException(
                $"Chi-square needs as many expected as observed frequencies, at least one; got {observed.Count} and {expected.Count}.");
        }

        var statistic = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            if (observed[i] < 0 || expected[i] < 0)
            {
                throw new ArgumentException("Chi-square frequencies cannot be negative.");
            }

            if (expected[i] == 0)
            {
                if (observed[i] > 0)
                {
                    statistic = double.PositiveInfinity;
                }

                continue;
            }

            var difference = observed[i] - expected[i];
            statistic += difference * difference / expected[i];
        }

        var degreesOfFreedom = observed.Count - 1;
        var pValue = degreesOfFreedom == 0 ? 1
            : double.IsPositiveInfinity(statistic) ? 0
            : SpecialFunctions.ChiSquareSurvival(statistic, degreesOfFreedom);
        return new ChiSquareResult(statistic, degreesOfFreedom, pValue);
    }

    /// <summary>
    /// Evidently's chi-square drift test: the current counts as observed, the reference counts scaled to the
    /// current total as expected (<c>f_exp = ref · n_cur / n_ref</c>), over the union of categories.
    /// </summary>
    public static ChiSquareResult ChiSquareAgainstReference(IReadOnlyList<long> referenceCounts, IReadOnlyList<long> currentCounts)
    {
        var (referenceTotal, currentTotal) = Totals(referenceCounts, currentCounts);
        var scale = (double)currentTotal / referenceTotal;
        var expected = referenceCounts.Select(count => count * scale).ToArray();
        var observed = currentCounts.Select(count => (double)count).ToArray();
        return ChiSquareGoodnessOfFit(observed, expected);
    }

    /// <summary>
    /// Evidently's Z-test for a binary feature: the difference of the shares of the second category between
    /// reference and current, over the pooled standard error; two-sided p = 2(1 - Φ(|z|)). Identical
    /// constant samples give p = 1.
    /// </summary>
    /// <param name="referenceCounts">Counts of the two categories, in sorted category order, in the reference.</param>
    /// <param name="currentCounts">The same for the current window.</param>
    public static ZTestResult ProportionsZTest(IReadOnlyList<long> referenceCounts, IReadOnlyList<long> currentCounts)
    {
        var (n1, n2) = Totals(referenceCounts, currentCounts);
        if (referenceCounts.Count is < 1 or > 2)
        {
            throw new ArgumentException($"The Z-test compares one or two categories; got {referenceCounts.Count}.");
        }

        if (referenceCounts.Count == 1)
        {
            return new ZTestResult(0, 1);
        }

        var p1 = (double)referenceCounts[1] / n1;
        var p2 = (double)currentCounts[1] / n2;
        var pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
        var variance = pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2);
        if (variance == 0)
        {
            return new ZTestResult(0, 1);
        }

        var z = (p1 - p2) / Math.Sqrt(variance);
        return new ZTestResult(z, 2 * SpecialFunctions.NormalSurvival(Math.Abs(z)));
    }

    /// <summary>
    /// Exact two-sample Kolmogorov-Smirnov statistic D = sup |F₁ - F₂| over raw samples (ties handled as scipy's
    /// <c>ks_2samp</c> does, with right-continuous empirical CDFs), and its p-value by
    /// <see cref="KolmogorovSmirnovPValue"/>.
    /// </summary>
    public static KolmogorovSmirnovResult KolmogorovSmirnov(IReadOnlyList<double> reference, IReadOnlyList<double> current)
    {
        var a = SortedFinite(reference, nameof(reference));
        var b = SortedFinite(current, nameof(current));
        var statistic = 0.0;
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            var x = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] == x)
            {
                i++;
            }

            while (j < b.Length && b[j] == x)
            {
                j++;
            }

            statistic = Math.Max(statistic, Math.Abs((double)i / a.Length - (double)j / b.Length));
        }

        return new KolmogorovSmirnovResult(statistic, KolmogorovSmirnovPValue(statistic, a.Length, b.Length), a.Length, b.Length);
    }

    /// <summary>
    /// Two-sided p-value of a two-sample KS statistic by scipy's <c>ks_2samp(method="asymp")</c>:
    /// <c>kstwo.sf(D, round(n·m/(n+m)))</c>. scipy's default <c>method="auto"</c> uses an exact lattice-path count
    /// when both samples have at most 10 000 values, so for small samples the p-values differ slightly.
    /// </summary>
    public static double KolmogorovSmirnovPValue(double statistic, long referenceCount, long currentCount)
    {
        if (referenceCount <= 0 || currentCount <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(referenceCount), "Both samples need at least one value.");
        }

        double m = Math.Max(referenceCount, currentCount);
        double n = Math.Min(referenceCount, currentCount);
        var effective = (long)Math.Round(m * n / (m + n), MidpointRounding.ToEven);
        return KolmogorovDistribution.Survival(Math.Max(effective, 1), statistic);
    }

    /// <summary>
    /// First Wasserstein distance between two raw samples, ∫ |F₁ - F₂| dx (scipy <c>stats.wasserstein_distance</c>).
    /// </summary>
    public static double Wasserstein(IReadOnlyList<double> reference, IReadOnlyList<double> current)
    {
        var a = SortedFinite(reference, nameof(reference));
        var b = SortedFinite(current, nameof(current));
        var distance = 0.0;
        int i = 0, j = 0;
        var previous = Math.Min(a[0], b[0]);
        while (i < a.Length || j < b.Length)
        {
            var x = j >= b.Length || (i < a.Length && a[i] <= b[j]) ? a[i] : b[j];
            distance += Math.Abs((double)i / a.Length - (double)j / b.Length) * (x - previous);
            while (i < a.Length && a[i] == x)
            {
                i++;
            }

            while (j < b.Length && b[j] == x)
            {
                j++;
            }

            previous = x;
        }

        return distance;
    }

    /// <summary>
    /// Evidently's normed Wasserstein distance: W₁ divided by the reference's population standard deviation,
    /// floored at 0.001 (<c>max(np.std(reference), 0.001)</c>).
    /// </summary>
    public static double NormedWasserstein(IReadOnlyList<double> reference, IReadOnlyList<double> current)
    {
        var moments = new RunningMoments();
        foreach (var value in SortedFinite(reference, nameof(reference)))
        {
            moments.Add(value);
        }

        return Wasserstein(reference, current) / WassersteinNorm(moments.PopulationStandardDeviation);
    }

    /// <summary>The divisor of the normed Wasserstein distance: the reference standard deviation, at least 0.001.</summary>
    public static double WassersteinNorm(double referenceStandardDeviation) => Math.Max(referenceStandardDeviation, 0.001);

    private static (double[] Reference, double[] Current) Proportions(IReadOnlyList<long> referenceCounts, IReadOnlyList<long> currentCounts)
    {
        var (referenceTotal, currentTotal) = Totals(referenceCounts, currentCounts);
        var reference = referenceCounts.Select(count => (double)count / referenceTotal).ToArray();
        var current = currentCounts.Select(count => (double)count / currentTotal).ToArray();
        return (reference, current);
    }

    private static (long Reference, long Current) Totals(IReadOnlyList<long> referenceCounts, IReadOnlyList<long> currentCounts)
    {
        ArgumentNullException.ThrowIfNull(referenceCounts);
        ArgumentNullException.ThrowIfNull(currentCounts);
        if (referenceCounts.Count != currentCounts.Count || referenceCounts.Count == 0)
        {
            throw new ArgumentException(
                $"Reference and current counts must be aligned on the same bins or categories; got {referenceCounts.Count} and {currentCounts.Count}.");
        }

        if (referenceCounts.Any(c => c < 0) || currentCounts.Any(c => c < 0))
        {
            throw new ArgumentException("Counts cannot be negative.");
        }

        var referenceTotal = referenceCounts.Sum();
        var currentTotal = currentCounts.Sum();
        if (referenceTotal == 0 || currentTotal == 0)
        {
            throw new ArgumentException(
                $"Both sides need at least one observation; the reference has {referenceTotal} and the current window {currentTotal}.");
        }

        return (referenceTotal, currentTotal);
    }

    private static double[] SortedFinite(IReadOnlyList<double> values, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0)
        {
            throw new ArgumentException("The sample has no finite value.", name);
        }

        Array.Sort(finite);
        return finite;
    }
}

public readonly record struct ChiSquareResult(double Statistic, int DegreesOfFreedom, double PValue);

public readonly record struct ZTestResult(double Statistic, double PValue);

public readonly record struct KolmogorovSmirnovResult(double Statistic, double PValue, long ReferenceCount, long CurrentCount);
