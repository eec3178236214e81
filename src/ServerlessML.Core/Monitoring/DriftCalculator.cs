using System.Globalization;

namespace ServerlessML.Monitoring;

/// <summary>
/// Drift of current-window aggregates against a reference profile, with Evidently's statistics, thresholds
/// and default choice of test (Evidently's <c>_get_default_stattest</c>), applied to non-missing values:
/// <list type="bullet">
/// <item>reference of at most 1000 rows: numeric with more than 5 unique values → two-sample KS (p ≤ 0.05);
/// categorical, or numeric with at most 5 → chi-square (p ≤ 0.05), or the proportions Z-test at 2 or fewer;</item>
/// <item>larger reference: numeric with more than 5 unique values → normed Wasserstein (≥ 0.1); otherwise
/// Jensen-Shannon distance (≥ 0.1).</item>
/// </list>
/// Unique values are counted over reference and current together. Every other applicable statistic is
/// reported alongside (PSI, Wasserstein, KS, chi-square, Jensen-Shannon, unseen-category share), each with its
/// own threshold, but only the chosen test decides whether the feature drifted. Below the minimum sample size
/// on either side the result says "insufficient data" and carries no number. Prediction drift is the same
/// comparison applied to the prediction's aggregate.
/// </summary>
public sealed class DriftCalculator
{
    public DriftCalculator(DriftOptions? options = null)
    {
        Options = options ?? new DriftOptions();
        Options.Validate();
    }

    public DriftOptions Options { get; }

    /// <summary>Compares every feature of the profile that has a current aggregate, and gives the dataset drift.</summary>
    public DatasetDriftResult Compare(
        ReferenceProfile profile,
        IReadOnlyDictionary<string, NumericFeatureAggregate> numeric,
        IReadOnlyDictionary<string, CategoryCounts> categorical)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(numeric);
        ArgumentNullException.ThrowIfNull(categorical);
        var results = new List<FeatureDriftResult>();
        foreach (var (name, reference) in profile.Numeric.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (numeric.TryGetValue(name, out var current))
            {
                results.Add(CompareNumeric(name, reference, current));
            }
        }

        foreach (var (name, reference) in profile.Categorical.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (categorical.TryGetValue(name, out var current))
            {
                results.Add(CompareCategorical(name, reference, current));
            }
        }

        return DatasetDrift(results);
    }

    public FeatureDriftResult CompareNumeric(string feature, NumericReference reference, NumericFeatureAggregate current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var referenceData = reference.Data;
        if (!referenceData.Histogram.Edges.SequenceEqual(current.Histogram.Edges) || referenceData.Sketch.Offset != current.Sketch.Offset)
        {
            throw new InvalidOperationException(
                $"The current aggregate of '{feature}' was not made from this reference (its bins or sketch offset differ); " +
                "create window aggregates with NumericReference.CreateAggregate.");
        }

        long referenceCount = referenceData.Count, currentCount = current.Count;
        var missing = current.Histogram.NullCount + current.Histogram.InfinityCount;
        var unique = UnionDistinctCount(referenceData.DistinctValues, current.DistinctValues);
        if (Insufficient(referenceCount, currentCount))
        {
            return InsufficientResult(feature, "numeric", referenceCount, currentCount, missing, unique);
        }

        var statistics = new List<DriftStatistic>();

        // PSI, Jensen-Shannon and chi-square compare counts: value by value when the reference has few unique
        // values (Evidently's rule), otherwise on the reference decile bins.
        var (referenceCounts, currentCounts, binning) = NumericCounts(reference, current);
        statistics.Add(PsiStatistic(referenceCounts, currentCounts, binning, exact: true));
        statistics.Add(JensenShannonStatistic(referenceCounts, currentCounts, binning, exact: true));
        statistics.Add(ChiSquareStatistic(referenceCounts, currentCounts, binning, exact: true));
        if (unique is <= 2 && binning == ValueBinning)
        {
            statistics.Add(ZStatistic(referenceCounts, currentCounts, exact: true));
        }

        var distances = SketchComparison.Compare(referenceData.Sketch, current.Sketch);
        statistics.Add(WassersteinStatistic(distances, reference.StandardDeviation));
        statistics.Add(KolmogorovSmirnovStatistic(distances));

        var few = unique is { } u && u <= Options.FewUniqueValuesMax;
        var small = referenceCount <= Options.SmallReferenceMaxRows;
        var method = small
            ? few ? (unique > 2 ? DriftMethods.ChiSquare : DriftMethods.ZTest) : DriftMethods.KolmogorovSmirnov
            : few ? DriftMethods.JensenShannon : DriftMethods.Wasserstein;
        var uniqueText = unique?.ToString(CultureInfo.InvariantCulture) ?? $"more than {referenceData.DistinctValues.MaxDistinctValues}";
        var reason = $"Evidently's default for a numeric feature whose reference has {referenceCount} rows " +
            $"({(small ? "≤" : ">")} {Options.SmallReferenceMaxRows}) and {uniqueText} unique values " +
            $"({(few ? "≤" : ">")} {Options.FewUniqueValuesMax}) over both samples";
        return Decide(feature, "numeric", referenceCount, currentCount, missing, unique, statistics, method, reason);
    }

    public FeatureDriftResult CompareCategorical(string feature, CategoricalReference reference, CategoryCounts current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var referenceData = reference.Data;
        long referenceCount = referenceData.Count, currentCount = current.Count;
        var referenceObserved = referenceData.ObservedCounts();
        var currentObserved = current.ObservedCounts();
        var keys = referenceObserved.Select(pair => pair.Key)
            .Union(currentObserved.Select(pair => pair.Key), StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var unique = keys.Count;
        if (Insufficient(referenceCount, currentCount))
        {
            return InsufficientResult(feature, "categorical", referenceCount, currentCount, current.NullCount, unique);
        }

        var referenceCounts = keys.Select(referenceData.CountOf).ToArray();
        var currentCounts = keys.Select(current.CountOf).ToArray();
        var lumped = referenceData.OtherCount > 0 || current.OtherCount > 0;
        const string Categories = "on categories";
        var binning = lumped ? $"{Categories}; those past the cap are lumped into {CategoryCounts.OtherCategory}" : Categories;

        var statistics = new List<DriftStatistic>
        {
            PsiStatistic(referenceCounts, currentCounts, binning, exact: !lumped),
            JensenShannonStatistic(referenceCounts, currentCounts, binning, exact: !lumped),
            ChiSquareStatistic(referenceCounts, currentCounts, binning, exact: !lumped),
        };
        if (unique <= 2)
        {
            statistics.Add(ZStatistic(referenceCounts, currentCounts, exact: !lumped));
        }

        long unseen = 0;
        for (var i = 0; i < keys.Count; i++)
        {
            if (referenceCounts[i] == 0)
            {
                unseen += currentCounts[i];
            }
        }

        statistics.Add(new DriftStatistic
        {
            Method = DriftMethods.UnseenShare,
            Value = (double)unseen / currentCount,
            Statistic = unseen,
            Exact = referenceData.OtherCount == 0,
            Note = referenceData.OtherCount == 0
                ? "share of current observations in categories absent from the reference"
                : $"the reference itself lumps categories into {CategoryCounts.OtherCategory}; those are not counted as unseen",
        });

        var small = referenceCount <= Options.SmallReferenceMaxRows;
        var method = small ? (unique > 2 ? DriftMethods.ChiSquare : DriftMethods.ZTest) : DriftMethods.JensenShannon;
        var reason = $"Evidently's default for a categorical feature whose reference has {referenceCount} rows " +
            $"({(small ? "≤" : ">")} {Options.SmallReferenceMaxRows}) and {unique} categories over both samples";
        return Decide(feature, "categorical", referenceCount, currentCount, current.NullCount, unique, statistics, method, reason);
    }

    /// <summary>The share of tested features that drifted; dataset drift when it reaches <see cref="DriftOptions.DatasetDriftShare"/>.</summary>
    public DatasetDriftResult DatasetDrift(IEnumerable<FeatureDriftResult> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var list = features.ToList();
        var tested = list.Where(f => f.Status == DriftStatus.Computed).ToList();
        var drifted = tested.Count(f => f.Drifted == true);
        var insufficient = list.Where(f => f.Status == DriftStatus.InsufficientData).Select(f => f.Feature).ToList();
        if (tested.Count == 0)
        {
            return new DatasetDriftResult
            {
                TestedFeatures = 0,
                DriftedFeatures = 0,
                InsufficientDataFeatures = insufficient,
                Status = DriftStatus.InsufficientData,
                Threshold = Options.DatasetDriftShare,
                Features = list,
            };
        }

        var share = (double)drifted / tested.Count;
        return new DatasetDriftResult
        {
            TestedFeatures = tested.Count,
            DriftedFeatures = drifted,
            InsufficientDataFeatures = insufficient,
            Status = DriftStatus.Computed,
            Share = share,
            Threshold = Options.DatasetDriftShare,
            Drifted = share >= Options.DatasetDriftShare,
            Features = list,
        };
    }

    private const string ValueBinning = "on values";

    private bool Insufficient(long referenceCount, long currentCount) =>
        referenceCount < Options.MinimumSampleSize || currentCount < Options.MinimumSampleSize;

    private FeatureDriftResult InsufficientResult(string feature, string kind, long referenceCount, long currentCount, long missing, int? unique) =>
        new()
        {
            Feature = feature,
            Kind = kind,
            Status = DriftStatus.InsufficientData,
            ReferenceCount = referenceCount,
            CurrentCount = currentCount,
            CurrentMissingCount = missing,
            UniqueValues = unique,
            MethodReason = $"fewer than {Options.MinimumSampleSize} non-missing observations " +
                $"(reference {referenceCount}, current {currentCount})",
        };

    private FeatureDriftResult Decide(
        string feature, string kind, long referenceCount, long currentCount, long missing, int? unique,
        List<DriftStatistic> statistics, string defaultMethod, string defaultReason)
    {
        var method = defaultMethod;
        var reason = defaultReason;
        if (Options.Method is { } forced)
        {
            if (statistics.Any(s => s.Method == forced))
            {
                method = forced;
                reason = "configured for every feature";
            }
            else
            {
                reason = $"{defaultReason}; the configured '{forced}' does not apply to this feature";
            }
        }

        var decisive = statistics.First(s => s.Method == method);
        return new FeatureDriftResult
        {
            Feature = feature,
            Kind = kind,
            Status = DriftStatus.Computed,
            ReferenceCount = referenceCount,
            CurrentCount = currentCount,
            CurrentMissingCount = missing,
            UniqueValues = unique,
            Method = method,
            MethodReason = reason,
            Score = decisive.Value,
            Threshold = decisive.Threshold,
            Drifted = decisive.Drifted,
            Statistics = statistics,
        };
    }

    private static int? UnionDistinctCount(DistinctValueCounts reference, DistinctValueCounts current)
    {
        if (reference.Overflowed || current.Overflowed)
        {
            return null;
        }

        return reference.Values.Union(current.Values).Count();
    }

    private (long[] Reference, long[] Current, string Binning) NumericCounts(NumericReference reference, NumericFeatureAggregate current)
    {
        var referenceValues = reference.Data.DistinctValues;
        var currentValues = current.DistinctValues;
        if (!referenceValues.Overflowed && referenceValues.Values.Count <= Options.NumericAsCategoriesMaxUnique && !currentValues.Overflowed)
        {
            var keys = referenceValues.Values.Union(currentValues.Values).Order().ToArray();
            return (keys.Select(referenceValues.CountOf).ToArray(), keys.Select(currentValues.CountOf).ToArray(), ValueBinning);
        }

        var binning = !referenceValues.Overflowed && referenceValues.Values.Count <= Options.NumericAsCategoriesMaxUnique
            ? "on the reference decile bins (the current window has too many distinct values to compare value by value)"
            : "on the reference decile bins";
        return (reference.Data.Histogram.Counts.ToArray(), current.Histogram.Counts.ToArray(), binning);
    }

    /// <summary>A statistic with the threshold of its method and whether it crosses it.</summary>
    private DriftStatistic Judged(string method, double value) => new()
    {
        Method = method,
        Value = value,
        Threshold = Options.ThresholdOf(method),
        Drifted = Options.IsDrift(method, value),
    };

    private DriftStatistic PsiStatistic(long[] reference, long[] current, string binning, bool exact)
    {
        var psi = DriftStatistics.Psi(reference, current);
        return Judged(DriftMethods.Psi, psi) with
        {
            Exact = exact,
            Note = $"{binning}; empty bins filled as Evidently does",
        };
    }

    private DriftStatistic JensenShannonStatistic(long[] reference, long[] current, string binning, bool exact)
    {
        var distance = DriftStatistics.JensenShannonDistance(reference, current);
        return Judged(DriftMethods.JensenShannon, distance) with
        {
            Exact = exact,
            Note = $"{binning}; natural logarithm",
        };
    }

    private DriftStatistic ChiSquareStatistic(long[] reference, long[] current, string binning, bool exact)
    {
        var test = DriftStatistics.ChiSquareAgainstReference(reference, current);
        return Judged(DriftMethods.ChiSquare, test.PValue) with
        {
            Statistic = test.Statistic,
            DegreesOfFreedom = test.DegreesOfFreedom,
            Exact = exact,
            Note = $"{binning}; expected = reference counts scaled to the current total",
        };
    }

    private DriftStatistic ZStatistic(long[] reference, long[] current, bool exact)
    {
        var test = DriftStatistics.ProportionsZTest(reference, current);
        return Judged(DriftMethods.ZTest, test.PValue) with
        {
            Statistic = test.Statistic,
            Exact = exact,
        };
    }

    private DriftStatistic WassersteinStatistic(SketchDistances distances, double referenceStandardDeviation)
    {
        var norm = DriftStatistics.WassersteinNorm(referenceStandardDeviation);
        var value = distances.Wasserstein / norm;
        var error = distances.WassersteinError / norm;
        return Judged(DriftMethods.Wasserstein, value) with
        {
            Exact = false,
            Bounds = new ValueBounds(Math.Max(0, value - error), value + error),
            Note = "W1 between the quantile sketches' bucket values, over the reference population standard deviation (at least 0.001)",
        };
    }

    private DriftStatistic KolmogorovSmirnovStatistic(SketchDistances distances)
    {
        var pValue = DriftStatistics.KolmogorovSmirnovPValue(distances.KolmogorovSmirnov, distances.ReferenceCount, distances.CurrentCount);
        var pAtUpperBound = DriftStatistics.KolmogorovSmirnovPValue(distances.KolmogorovSmirnovUpperBound, distances.ReferenceCount, distances.CurrentCount);
        return Judged(DriftMethods.KolmogorovSmirnov, pValue) with
        {
            Statistic = distances.KolmogorovSmirnov,
            Exact = false,
            StatisticBounds = new ValueBounds(distances.KolmogorovSmirnov, distances.KolmogorovSmirnovUpperBound),
            Bounds = new ValueBounds(pAtUpperBound, pValue),
            Note = "D at the quantile sketches' shared bucket boundaries (a lower bound of the raw D); " +
                "p-value as scipy ks_2samp(method='asymp')",
        };
    }
}
