namespace ServerlessML.Monitoring;

/// <summary>
/// Wasserstein distance and KS statistic between two <see cref="QuantileSketch"/>es of the same settings,
/// with bounds that provably contain the values for the raw data behind them.
/// <para>
/// Both sketches count values in the same buckets (after aligning collapse floors), so their empirical CDFs
/// are known exactly at every bucket boundary. The KS statistic there, D̂ = max |F₁ - F₂| over boundaries,
/// can only miss what happens inside one bucket: D̂ ≤ D ≤ D̂ + max over buckets of the larger of the two
/// bucket masses. For Wasserstein, each value is replaced by its bucket's representative; W₁ between the
/// two quantized samples is exact, and by the triangle inequality it differs from the raw W₁ by at most
/// E|X - X̂| + E|Y - Ŷ|, which the per-bucket error (α·γ^i, or the whole bucket for a collapsed floor) bounds.
/// </para>
/// </summary>
public static class SketchComparison
{
    public static SketchDistances Compare(QuantileSketch reference, QuantileSketch current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        if (reference.Count == 0 || current.Count == 0)
        {
            throw new ArgumentException(
                $"Both sketches need values; the reference has {reference.Count} and the current window {current.Count}.");
        }

        var (left, right) = QuantileSketch.Aligned(reference, current);
        using var a = left.OrderedBuckets().GetEnumerator();
        using var b = right.OrderedBuckets().GetEnumerator();
        var hasA = a.MoveNext();
        var hasB = b.MoveNext();
        double nA = left.Count, nB = right.Count;
        long cumulativeA = 0, cumulativeB = 0;
        double wasserstein = 0, wassersteinError = 0, ks = 0, largestBucketMass = 0;
        double? previousPosition = null;
        var previousGap = 0.0;

        while (hasA || hasB)
        {
            int order;
            if (!hasA)
            {
                order = 1;
            }
            else if (!hasB)
            {
                order = -1;
            }
            else
            {
                order = a.Current.OrderKey.CompareTo(b.Current.OrderKey);
            }

            long countA = 0, countB = 0;
            SketchBucket bucket;
            if (order <= 0)
            {
                bucket = a.Current;
                countA = a.Current.Count;
                hasA = a.MoveNext();
            }
            else
            {
                bucket = b.Current;
            }

            if (order >= 0)
            {
                bucket = b.Current;
                countB = b.Current.Count;
                hasB = b.MoveNext();
            }

            if (previousPosition is { } previous)
            {
                wasserstein += previousGap * (bucket.Representative - previous);
            }

            cumulativeA += countA;
            cumulativeB += countB;
            var gap = Math.Abs(cumulativeA / nA - cumulativeB / nB);
            ks = Math.Max(ks, gap);
            largestBucketMass = Math.Max(largestBucketMass, Math.Max(countA / nA, countB / nB));
            wassersteinError += bucket.MaxError * (countA / nA + countB / nB);
            previousPosition = bucket.Representative;
            previousGap = gap;
        }

        return new SketchDistances(wasserstein, wassersteinError, ks, Math.Min(1, ks + largestBucketMass), left.Count, right.Count);
    }
}

/// <param name="Wasserstein">W₁ between the two quantized samples.</param>
/// <param name="WassersteinError">|raw W₁ - <paramref name="Wasserstein"/>| is at most this.</param>
/// <param name="KolmogorovSmirnov">D̂, the KS statistic at bucket boundaries: a lower bound of the raw D.</param>
/// <param name="KolmogorovSmirnovUpperBound">An upper bound of the raw D.</param>
public readonly record struct SketchDistances(
    double Wasserstein,
    double WassersteinError,
    double KolmogorovSmirnov,
    double KolmogorovSmirnovUpperBound,
    long ReferenceCount,
    long CurrentCount);
