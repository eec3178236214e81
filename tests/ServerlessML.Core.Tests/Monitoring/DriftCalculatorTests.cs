using ServerlessML.Monitoring;
using ServerlessML.Registry;

namespace ServerlessML.Tests.Monitoring;

public sealed class DriftCalculatorTests
{
    private readonly DriftCalculator _calculator = new();

    [Fact]
    public void Shifted_normal_feature_is_flagged_by_normed_Wasserstein_on_a_large_reference()
    {
        var referenceValues = Samples.Normal(seed: 101, count: 5000, mean: 0, standardDeviation: 1);
        var currentValues = Samples.Normal(seed: 202, count: 2000, mean: 0.5, standardDeviation: 1);

        var result = CompareNumeric(referenceValues, currentValues);

        Assert.Equal(DriftStatus.Computed, result.Status);
        Assert.Equal(DriftMethods.Wasserstein, result.Method); // > 1000 reference rows, > 5 unique values
        Assert.True(result.Drifted);
        Assert.Equal(5000, result.ReferenceCount);
        Assert.Equal(2000, result.CurrentCount);
        // A half-sigma shift moves the whole distribution by 0.5σ: normed W1 ≈ 0.5, far above 0.1.
        Assert.InRange(result.Score!.Value, 0.4, 0.6);
        Assert.True(result.Find(DriftMethods.Psi)!.Drifted);
        Assert.True(result.Find(DriftMethods.KolmogorovSmirnov)!.Drifted);
    }

    [Fact]
    public void Same_distribution_with_another_seed_is_not_flagged()
    {
        var referenceValues = Samples.Normal(seed: 101, count: 5000, mean: 0, standardDeviation: 1);
        var currentValues = Samples.Normal(seed: 303, count: 2000, mean: 0, standardDeviation: 1);

        var result = CompareNumeric(referenceValues, currentValues);

        Assert.Equal(DriftMethods.Wasserstein, result.Method);
        Assert.False(result.Drifted);
        Assert.InRange(result.Score!.Value, 0, 0.1);
        Assert.False(result.Find(DriftMethods.Psi)!.Drifted);
    }

    [Fact]
    public void Sketch_based_Wasserstein_and_KS_bound_the_values_computed_from_raw_data()
    {
        var referenceValues = Samples.Normal(seed: 5, count: 3000, mean: 100, standardDeviation: 15);
        var currentValues = Samples.Normal(seed: 6, count: 1500, mean: 103, standardDeviation: 18);

        var result = CompareNumeric(referenceValues, currentValues);

        var wasserstein = result.Find(DriftMethods.Wasserstein)!;
        var exactWasserstein = DriftStatistics.NormedWasserstein(referenceValues, currentValues);
        Assert.False(wasserstein.Exact);
        Assert.InRange(exactWasserstein, wasserstein.Bounds!.Lower, wasserstein.Bounds.Upper);
        Assert.InRange(Math.Abs(wasserstein.Value - exactWasserstein), 0, 0.005); // in practice far inside the bound

        var ks = result.Find(DriftMethods.KolmogorovSmirnov)!;
        var exactKs = DriftStatistics.KolmogorovSmirnov(referenceValues, currentValues);
        Assert.InRange(exactKs.Statistic, ks.StatisticBounds!.Lower, ks.StatisticBounds.Upper);
        Assert.InRange(exactKs.PValue, ks.Bounds!.Lower, ks.Bounds.Upper);
    }

    [Fact]
    public void Small_reference_gets_the_KS_test_and_a_shift_is_flagged()
    {
        var referenceValues = Samples.Normal(seed: 7, count: 500, mean: 0, standardDeviation: 1);

        var shifted = CompareNumeric(referenceValues, Samples.Normal(seed: 8, count: 400, mean: 0.4, standardDeviation: 1));
        var same = CompareNumeric(referenceValues, Samples.Normal(seed: 9, count: 400, mean: 0, standardDeviation: 1));

        Assert.Equal(DriftMethods.KolmogorovSmirnov, shifted.Method); // ≤ 1000 reference rows, > 5 unique values
        Assert.True(shifted.Drifted);
        Assert.InRange(shifted.Score!.Value, 0, 0.05);
        Assert.Equal(DriftMethods.KolmogorovSmirnov, same.Method);
        Assert.False(same.Drifted);
        Assert.Contains("≤ 1000", shifted.MethodReason);
    }

    [Fact]
    public void Evidently_example_as_categories_reproduces_its_published_numbers()
    {
        var (reference, current) = EvidentlyExample(value => value.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var result = _calculator.CompareCategorical("digit", CategoricalReference.FromValues(reference), Aggregate(current));

        Assert.Equal(DriftMethods.ChiSquare, result.Method); // 88 reference rows (≤ 1000), 6 categories (> 2)
        Assert.Equal(0.67309, result.Score!.Value, 1e-5);
        Assert.False(result.Drifted);
        Assert.Equal(0.037218, result.Find(DriftMethods.Psi)!.Value, 1e-6);
        Assert.Equal(0.068048, result.Find(DriftMethods.JensenShannon)!.Value, 1e-6);
        Assert.Equal(0, result.Find(DriftMethods.UnseenShare)!.Value);
        Assert.Equal(88, result.ReferenceCount);
        Assert.Equal(88, result.CurrentCount);
    }

    [Fact]
    public void Numeric_feature_with_few_reference_values_gets_PSI_value_by_value()
    {
        // The same example as numbers: 6 unique values, ≤ 20, so PSI compares values as Evidently's get_binned_data does,
        // and > 5 unique values with ≤ 1000 rows selects KS.
        var (reference, current) = EvidentlyExample(value => (double?)value);

        var result = CompareNumeric(reference.Select(v => v!.Value).ToArray(), current.Select(v => v!.Value).ToArray());

        Assert.Equal(DriftMethods.KolmogorovSmirnov, result.Method);
        Assert.Equal(6, result.UniqueValues);
        var psi = result.Find(DriftMethods.Psi)!;
        Assert.Equal(0.037218, psi.Value, 1e-6);
        Assert.StartsWith("on values", psi.Note);
        Assert.Equal(0.67309, result.Find(DriftMethods.ChiSquare)!.Value, 1e-5);
    }

    [Fact]
    public void Binary_numeric_feature_on_a_small_reference_gets_the_Z_test()
    {
        double[] reference = [.. Enumerable.Repeat(0.0, 60), .. Enumerable.Repeat(1.0, 40)];
        double[] current = [.. Enumerable.Repeat(0.0, 45), .. Enumerable.Repeat(1.0, 55)];

        var result = CompareNumeric(reference, current);

        Assert.Equal(DriftMethods.ZTest, result.Method);
        Assert.Equal(0.03367206885634566, result.Score!.Value, 1e-10); // the hand computation of DriftStatisticsTests
        Assert.True(result.Drifted);
    }

    [Fact]
    public void Categorical_shift_and_unseen_category_on_a_large_reference_are_flagged_by_Jensen_Shannon()
    {
        string?[] reference = [.. Repeat("a", 1000), .. Repeat("b", 600), .. Repeat("c", 400)];
        string?[] current = [.. Repeat("a", 200), .. Repeat("b", 300), .. Repeat("c", 400), .. Repeat("d", 100), null];

        var result = _calculator.CompareCategorical("colour", CategoricalReference.FromValues(reference), Aggregate(current));

        Assert.Equal(DriftMethods.JensenShannon, result.Method); // 2000 reference rows (> 1000)
        Assert.True(result.Drifted);
        Assert.Equal(0.1, result.Find(DriftMethods.UnseenShare)!.Value, 1e-12); // 100 of 1000 non-null are "d"
        Assert.Equal(0, result.Find(DriftMethods.ChiSquare)!.Value); // "d" was never expected
        Assert.Equal(1, result.CurrentMissingCount);
        Assert.Equal(1000, result.CurrentCount);
        Assert.Equal(4, result.UniqueValues);
    }

    [Fact]
    public void Below_the_minimum_sample_size_the_result_says_insufficient_data_and_gives_no_number()
    {
        var result = CompareNumeric(Samples.Normal(1, 500, 0, 1), Samples.Normal(2, 29, 5, 1));

        Assert.Equal(DriftStatus.InsufficientData, result.Status);
        Assert.Null(result.Score);
        Assert.Null(result.Drifted);
        Assert.Null(result.Method);
        Assert.Empty(result.Statistics);
        Assert.Equal(29, result.CurrentCount);
        Assert.Contains("fewer than 30", result.MethodReason);
        Assert.Contains("\"status\":\"insufficient data\"", MonitoringJson.Serialize(result));
    }

    [Fact]
    public void Dataset_drifts_when_at_least_half_the_tested_features_drift_and_names_untested_ones()
    {
        var profile = ReferenceProfile.Build(
            new Dictionary<string, IReadOnlyList<double?>>
            {
                ["a"] = Nullable(Samples.Normal(1, 2000, 0, 1)),
                ["b"] = Nullable(Samples.Normal(2, 2000, 0, 1)),
                ["c"] = Nullable(Samples.Normal(3, 2000, 0, 1)),
                ["d"] = Nullable(Samples.Normal(4, 2000, 0, 1)),
            },
            new Dictionary<string, IReadOnlyList<string?>>());
        var windows = new Dictionary<string, NumericFeatureAggregate>();
        foreach (var (name, mean, count) in new[] { ("a", 1.0, 500), ("b", 0.0, 500), ("c", 1.0, 500), ("d", 3.0, 10) })
        {
            var window = profile.Numeric[name].CreateAggregate();
            foreach (var value in Samples.Normal(name[0], count, mean, 1))
            {
                window.Add(value);
            }

            windows[name] = window;
        }

        var result = _calculator.Compare(profile, windows, new Dictionary<string, CategoryCounts>());

        Assert.Equal(3, result.TestedFeatures);
        Assert.Equal(2, result.DriftedFeatures); // a and c; d has 10 values only
        Assert.Equal(2.0 / 3, result.Share!.Value, 1e-12);
        Assert.True(result.Drifted);
        Assert.Equal(["d"], result.InsufficientDataFeatures);
        Assert.Equal(4, result.Features.Count);

        var stored = MonitoringJson.Deserialize<DatasetDriftResult>(MonitoringJson.Serialize(result));
        Assert.Equal(result.Share, stored.Share);
        Assert.Equal(DriftStatus.InsufficientData, stored.Features.Single(f => f.Feature == "d").Status);
        Assert.Equal(result.Features[0].Statistics, stored.Features[0].Statistics);
    }

    [Fact]
    public void Window_aggregate_made_from_another_reference_is_refused()
    {
        var reference = NumericReference.FromValues("x", Nullable(Samples.Normal(1, 200, 0, 1)));
        var foreign = NumericReference.FromValues("x", Nullable(Samples.Normal(2, 200, 5, 1))).CreateAggregate();

        var error = Assert.Throws<InvalidOperationException>(() => _calculator.CompareNumeric("x", reference, foreign));

        Assert.Contains("CreateAggregate", error.Message);
    }

    [Fact]
    public void Configured_method_replaces_the_default_choice()
    {
        var calculator = new DriftCalculator(new DriftOptions { Method = DriftMethods.Psi, PsiThreshold = 0.1 });
        var reference = NumericReference.FromValues("x", Nullable(Samples.Normal(1, 2000, 0, 1)));
        var window = reference.CreateAggregate();
        foreach (var value in Samples.Normal(2, 1000, 0.3, 1))
        {
            window.Add(value);
        }

        var result = calculator.CompareNumeric("x", reference, window);

        Assert.Equal(DriftMethods.Psi, result.Method);
        Assert.Equal(0.1, result.Threshold);
        Assert.Equal("configured for every feature", result.MethodReason);
        Assert.Equal(result.Find(DriftMethods.Psi)!.Value, result.Score);
    }

    [Fact]
    public void Manifest_monitoring_section_overrides_only_the_thresholds_it_names()
    {
        var options = DriftOptions.FromManifest(ServerlessML.Deployment.ManifestValidation.Parse(
            """{ "monitoring": { "psi": 0.1, "minSampleSize": 100, "maxDemographicParityDifference": 0.2 } }""").Monitoring);

        Assert.Equal(0.1, options.PsiThreshold);
        Assert.Equal(100, options.MinimumSampleSize);
        Assert.Equal(0.05, options.PValueThreshold);
        Assert.Equal(0.5, DriftOptions.FromManifest(null).DatasetDriftShare);
        Assert.Throws<ArgumentOutOfRangeException>(() => DriftOptions.FromManifest(new MonitoringThresholds { DriftShare = 2 }));
    }

    [Fact]
    public void Invalid_options_are_refused_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DriftCalculator(new DriftOptions { PValueThreshold = 1.5 }));

        Assert.Equal("PValueThreshold", error.ParamName);
        Assert.Throws<ArgumentException>(() => new DriftCalculator(new DriftOptions { Method = "t-test" }));
    }

    [Fact]
    public void Previous_window_can_serve_as_the_reference()
    {
        var seed = NumericReference.FromValues("x", Nullable(Samples.Normal(1, 2000, 0, 1)));
        var previous = seed.CreateAggregate();
        var current = seed.CreateAggregate();
        foreach (var value in Samples.Normal(2, 1500, 0, 1))
        {
            previous.Add(value);
        }

        foreach (var value in Samples.Normal(3, 1500, 1, 1))
        {
            current.Add(value);
        }

        var result = _calculator.CompareNumeric("x", NumericReference.FromAggregate(previous), current);

        Assert.Equal(1500, result.ReferenceCount);
        Assert.True(result.Drifted);
    }

    private FeatureDriftResult CompareNumeric(IReadOnlyList<double> referenceValues, IReadOnlyList<double> currentValues)
    {
        var reference = NumericReference.FromValues("x", Nullable(referenceValues));
        var window = reference.CreateAggregate();
        foreach (var value in currentValues)
        {
            window.Add(value);
        }

        // Through storage, as the integration step will read hourly aggregates back.
        return _calculator.CompareNumeric(
            "x",
            MonitoringJson.Deserialize<NumericReference>(MonitoringJson.Serialize(reference)),
            MonitoringJson.Deserialize<NumericFeatureAggregate>(MonitoringJson.Serialize(window)));
    }

    private static CategoryCounts Aggregate(IEnumerable<string?> values)
    {
        var counts = new CategoryCounts();
        foreach (var value in values)
        {
            counts.Add(value);
        }

        return counts;
    }

    private static (List<T> Reference, List<T> Current) EvidentlyExample<T>(Func<int, T> convert)
    {
        int[] referenceCounts = [16, 18, 16, 14, 12, 12];
        int[] currentCounts = [16, 16, 16, 16, 16, 8];
        var reference = Enumerable.Range(0, 6).SelectMany(i => Enumerable.Repeat(convert(i + 1), referenceCounts[i])).ToList();
        var current = Enumerable.Range(0, 6).SelectMany(i => Enumerable.Repeat(convert(i + 1), currentCounts[i])).ToList();
        return (reference, current);
    }

    private static IEnumerable<string?> Repeat(string value, int count) => Enumerable.Repeat<string?>(value, count);

    private static List<double?> Nullable(IEnumerable<double> values) => values.Select(v => (double?)v).ToList();
}
