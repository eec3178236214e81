using ServerlessML.Monitoring;

namespace ServerlessML.Tests.Monitoring;

public sealed class AggregateTests
{
    [Fact]
    public void Reference_deciles_use_numpy_linear_interpolation()
    {
        // np.quantile(range(1, 101), 0.1) = 1 + 0.1·99 = 10.9; 0.5 → 50.5; 0.9 → 90.1.
        var reference = NumericReference.FromValues("x", Enumerable.Range(1, 100).Select(i => (double?)i).ToList());

        Assert.Equal(9, reference.Deciles.Count);
        Assert.Equal(10.9, reference.Deciles[0], 1e-12);
        Assert.Equal(50.5, reference.Deciles[4], 1e-12);
        Assert.Equal(90.1, reference.Deciles[8], 1e-12);
        Assert.Equal(50.5, reference.Median, 1e-12);
        // Ten values per decile bin: 1..10 below 10.9, 11..20 in [10.9, 20.8), …, 91..100 from 90.1.
        Assert.All(reference.Data.Histogram.Counts, count => Assert.Equal(10, count));
        Assert.Equal(50.5, reference.Mean, 1e-12);
        Assert.Equal(Math.Sqrt((100 * 100 - 1) / 12.0), reference.StandardDeviation, 1e-12); // population std of 1..n
    }

    [Fact]
    public void Histogram_puts_edges_in_the_upper_bin_and_keeps_missing_values_apart()
    {
        var histogram = new NumericHistogram([1, 2, 3]);

        foreach (var value in new double?[] { 0.5, 1, 1.5, 2, 3, 99, null, double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            histogram.Add(value);
        }

        Assert.Equal(new long[] { 1, 2, 1, 2 }, histogram.Counts); // (-∞,1) [1,2) [2,3) [3,+∞)
        Assert.Equal(2, histogram.NullCount);
        Assert.Equal(2, histogram.InfinityCount);
        Assert.Equal(6, histogram.Count);
        Assert.Equal(10, histogram.TotalObservations);
        Assert.Equal(0.5, histogram.Moments.Min);
        Assert.Equal(99, histogram.Moments.Max);
    }

    [Fact]
    public void Merged_hourly_numeric_aggregates_equal_one_aggregate_of_all_data()
    {
        var reference = NumericReference.FromValues("x", Samples.Normal(1, 2000, 40, 10).Select(v => (double?)v).ToList());
        var values = Samples.Normal(2, 9000, 42, 11).Select(v => (double?)v).Concat([null, double.NaN, double.PositiveInfinity]).ToArray();
        var whole = reference.CreateAggregate();
        var hours = Enumerable.Range(0, 3).Select(_ => reference.CreateAggregate()).ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            whole.Add(values[i]);
            hours[i % 3].Add(values[i]);
        }

        var merged = reference.CreateAggregate();
        foreach (var hour in hours)
        {
            merged.Merge(MonitoringJson.Deserialize<NumericFeatureAggregate>(MonitoringJson.Serialize(hour)));
        }

        Assert.Equal(whole.Histogram.Counts, merged.Histogram.Counts);
        Assert.Equal(2, merged.Histogram.NullCount); // null and NaN
        Assert.Equal(whole.Histogram.NullCount, merged.Histogram.NullCount);
        Assert.Equal(whole.Histogram.InfinityCount, merged.Histogram.InfinityCount);
        Assert.Equal(whole.Sketch.OrderedBuckets().ToArray(), merged.Sketch.OrderedBuckets().ToArray());
        Assert.True(merged.DistinctValues.Overflowed);
        var exact = whole.Histogram.Moments;
        var combined = merged.Histogram.Moments;
        Assert.Equal(exact.Count, combined.Count);
        Assert.Equal(exact.Mean, combined.Mean, 1e-12);
        Assert.Equal(exact.SumOfSquaredDeviations, combined.SumOfSquaredDeviations, exact.SumOfSquaredDeviations * 1e-12);
        Assert.Equal(exact.Min, combined.Min);
        Assert.Equal(exact.Max, combined.Max);
    }

    [Fact]
    public void Moments_keep_the_variance_of_data_far_from_zero()
    {
        // Σx² - n·mean² would lose every digit here; the stored squared deviations do not.
        var moments = new RunningMoments();
        foreach (var value in new[] { 1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4 })
        {
            moments.Add(value);
        }

        Assert.Equal(1.25, moments.PopulationVariance, 1e-9);
        Assert.Equal(4e9 + 10, moments.Sum, 1e-3);
    }

    [Fact]
    public void Distinct_values_past_the_cap_overflow_the_same_way_merged_or_not()
    {
        var first = new DistinctValueCounts(maxDistinctValues: 5);
        var second = new DistinctValueCounts(maxDistinctValues: 5);
        var single = new DistinctValueCounts(maxDistinctValues: 5);
        foreach (var value in new double[] { 1, 2, 3, 1 })
        {
            first.Add(value);
            single.Add(value);
        }

        foreach (var value in new double[] { 3, 4, 5 })
        {
            second.Add(value);
            single.Add(value);
        }

        first.Merge(second);
        Assert.Equal(new double[] { 1, 2, 3, 4, 5 }, first.Values);
        Assert.Equal(new long[] { 2, 1, 2, 1, 1 }, first.Counts);
        Assert.Equal(single.Counts, first.Counts);

        var sixth = new DistinctValueCounts(maxDistinctValues: 5);
        sixth.Add(6);
        first.Merge(sixth);
        single.Add(6);
        Assert.True(first.Overflowed);
        Assert.True(single.Overflowed);
        Assert.Null(first.DistinctCount);
        Assert.Empty(first.Values);
    }

    [Fact]
    public void Categories_past_the_cap_are_counted_as_other_but_pinned_ones_never_are()
    {
        var counts = new CategoryCounts(maxCategories: 2, pinnedCategories: ["reference"]);

        foreach (var category in new[] { "a", "b", "c", "a", "d", "reference", null })
        {
            counts.Add(category);
        }

        Assert.Equal(2, counts.CountOf("a"));
        Assert.Equal(1, counts.CountOf("b"));
        Assert.Equal(1, counts.CountOf("reference"));
        Assert.Equal(2, counts.OtherCount); // c and d
        Assert.Equal(2, counts.CountOf(CategoryCounts.OtherCategory));
        Assert.Equal(6, counts.Count);
        Assert.Equal(1, counts.NullCount);
        Assert.Throws<ArgumentException>(() => counts.Add(CategoryCounts.OtherCategory));
    }

    [Fact]
    public void Merging_category_counts_past_the_cap_folds_the_least_frequent_and_keeps_totals()
    {
        var first = new CategoryCounts(maxCategories: 2);
        var second = new CategoryCounts(maxCategories: 2);
        first.Add("a", 5);
        first.Add("b", 1);
        second.Add("c", 3);
        second.Add("b", 1);

        var merged = MonitoringJson.Deserialize<CategoryCounts>(MonitoringJson.Serialize(first));
        merged.Merge(second);

        Assert.Equal(5, merged.CountOf("a"));
        Assert.Equal(3, merged.CountOf("c"));
        Assert.Equal(2, merged.OtherCount); // b, the least frequent, folded
        Assert.Equal(10, merged.Count);
    }

    [Fact]
    public void Reference_profile_survives_storage_and_makes_matching_aggregates()
    {
        var profile = ReferenceProfile.Build(
            new Dictionary<string, IReadOnlyList<double?>> { ["age"] = Samples.Normal(3, 500, 40, 12).Select(v => (double?)v).ToList() },
            new Dictionary<string, IReadOnlyList<string?>> { ["city"] = ["paris", "lyon", "paris", null] });

        var stored = MonitoringJson.Deserialize<ReferenceProfile>(MonitoringJson.Serialize(profile));

        Assert.Equal(profile.Numeric["age"].Deciles, stored.Numeric["age"].Deciles);
        Assert.Equal(profile.Numeric["age"].StandardDeviation, stored.Numeric["age"].StandardDeviation, 1e-12);
        Assert.Equal(2, stored.Categorical["city"].Data.CountOf("paris"));
        Assert.Equal(1, stored.Categorical["city"].Data.NullCount);
        var window = stored.Numeric["age"].CreateAggregate();
        window.Add(41);
        window.Merge(profile.Numeric["age"].CreateAggregate()); // same bins and sketch settings: compatible
        Assert.Equal(1, window.Count);
        Assert.Contains("lyon", stored.Categorical["city"].CreateAggregate().PinnedCategories);
    }

    [Fact]
    public void Aggregates_of_different_references_refuse_to_merge()
    {
        var one = NumericReference.FromValues("x", [1, 2, 3, 4]).CreateAggregate();
        var other = NumericReference.FromValues("x", [10, 20, 30, 40]).CreateAggregate();

        var error = Assert.Throws<InvalidOperationException>(() => one.Merge(other));

        Assert.Contains("same reference profile", error.Message);
    }

    [Fact]
    public void Stored_histogram_with_the_wrong_number_of_counts_is_rejected_with_the_reason()
    {
        var json = MonitoringJson.Serialize(new NumericHistogram([1, 2])).Replace("\"counts\":[0,0,0]", "\"counts\":[0,0]");

        var error = Assert.Throws<InvalidDataException>(() => MonitoringJson.Deserialize<NumericHistogram>(json));

        Assert.Contains("edges + 1 counts", error.Message);
    }
}
