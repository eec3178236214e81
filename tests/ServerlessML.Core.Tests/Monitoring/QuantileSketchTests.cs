using Newtonsoft.Json;
using ServerlessML.Monitoring;

namespace ServerlessML.Tests.Monitoring;

public sealed class QuantileSketchTests
{
    private static readonly double[] ReportedQuantiles = [0.5, 0.95, 0.99];

    [Fact]
    public void Latency_quantiles_of_a_hundred_thousand_samples_stay_within_one_percent()
    {
        var random = new Random(20240601);
        var latencies = Enumerable.Range(0, 100_000).Select(_ => Math.Exp(3 + 0.8 * Samples.StandardNormal(random))).ToArray();
        var sketch = new QuantileSketch(relativeAccuracy: 0.01);
        foreach (var latency in latencies)
        {
            sketch.Add(latency);
        }

        Array.Sort(latencies);
        var summary = sketch.Summary();
        double[] estimates = [summary.P50!.Value, summary.P95!.Value, summary.P99!.Value];
        for (var i = 0; i < ReportedQuantiles.Length; i++)
        {
            var exact = latencies[(int)Math.Floor(ReportedQuantiles[i] * (latencies.Length - 1))];
            Assert.InRange(Math.Abs(estimates[i] - exact), 0, 0.01 * exact * (1 + 1e-12));
        }

        Assert.Equal(latencies[0], summary.Min);
        Assert.Equal(latencies[^1], summary.Max);

        Assert.Equal(100_000, sketch.Count);
        Assert.InRange(sketch.BucketCount, 1, 1000);
    }

    [Fact]
    public void Offset_at_the_median_makes_the_error_relative_to_the_spread_not_the_value()
    {
        // A year-like feature: 2020 ± 3. Relative to zero, 1% would be ±20 years; relative to the median it is a few days.
        var random = new Random(7);
        var values = Enumerable.Range(0, 20_000).Select(_ => 2020 + 3 * Samples.StandardNormal(random)).ToArray();
        var sorted = values.Order().ToArray();
        var median = NumericReference.LinearQuantile(sorted, 0.5);
        var sketch = new QuantileSketch(0.01, offset: median);
        foreach (var value in values)
        {
            sketch.Add(value);
        }

        foreach (var q in new[] { 0.05, 0.25, 0.75, 0.95 })
        {
            var exact = sorted[(int)Math.Floor(q * (sorted.Length - 1))];
            Assert.InRange(Math.Abs(sketch.Quantile(q)!.Value - exact), 0, 0.01 * Math.Abs(exact - median) + 1e-9);
        }
    }

    [Fact]
    public void Merging_two_sketches_gives_the_sketch_of_all_the_data()
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 10_000).Select(_ => 50 * Samples.StandardNormal(random)).ToArray();
        var whole = new QuantileSketch(0.01, offset: 3);
        var first = whole.CreateEmpty();
        var second = whole.CreateEmpty();
        for (var i = 0; i < values.Length; i++)
        {
            whole.Add(values[i]);
            (i % 3 == 0 ? first : second).Add(values[i]);
        }

        var merged = RoundTrip(first);
        merged.Merge(RoundTrip(second));

        Assert.Equal(whole.OrderedBuckets().ToArray(), merged.OrderedBuckets().ToArray());
        Assert.Equal(whole.Count, merged.Count);
        Assert.Equal(whole.Min, merged.Min);
        Assert.Equal(whole.Max, merged.Max);
        foreach (var q in ReportedQuantiles)
        {
            Assert.Equal(whole.Quantile(q), merged.Quantile(q));
        }
    }

    [Fact]
    public void Bucket_cap_bounds_memory_and_keeps_the_upper_quantiles_accurate()
    {
        // Values spread over 400 decades would need ~46 000 buckets at 1%; the cap collapses those nearest zero.
        var sketch = new QuantileSketch(0.01, offset: 0, maxBucketsPerSign: 100);
        var values = Enumerable.Range(0, 4001).Select(i => Math.Pow(10, -200 + i * 0.1)).ToArray();
        foreach (var value in values)
        {
            sketch.Add(value);
        }

        Assert.True(sketch.Collapsed);
        Assert.InRange(sketch.BucketCount, 1, 100);
        var exact = values[(int)Math.Floor(0.99 * (values.Length - 1))];
        Assert.InRange(Math.Abs(sketch.Quantile(0.99)!.Value - exact), 0, 0.01 * exact);
    }

    [Fact]
    public void Negative_values_and_the_offset_itself_are_ordered_correctly()
    {
        var sketch = new QuantileSketch(0.01, offset: 10);
        foreach (var value in new double[] { -5, 0, 10, 10, 20, 100 })
        {
            sketch.Add(value);
        }

        Assert.Equal(-5, sketch.Quantile(0)!.Value, 1e-12); // the extremes are exact
        Assert.Equal(10, sketch.Quantile(0.5)!.Value, 1e-12); // rank 2.5 → index 2 of the sorted values: 10, exactly at the offset
        Assert.Equal(100, sketch.Quantile(1)!.Value, 1e-12);
        Assert.Equal(20, sketch.Quantile(0.8)!.Value, 0.01 * 10); // rank 4 → the value 20, within 1% of its distance 10 to the offset
        Assert.Null(sketch.CreateEmpty().Quantile(0.5));
    }

    [Fact]
    public void Sketches_with_different_settings_refuse_to_merge()
    {
        var sketch = new QuantileSketch(0.01, offset: 0);

        var error = Assert.Throws<InvalidOperationException>(() => sketch.Merge(new QuantileSketch(0.02, offset: 0)));

        Assert.Contains("same reference profile", error.Message);
    }

    [Fact]
    public void Stored_sketch_whose_counts_disagree_is_rejected()
    {
        var sketch = new QuantileSketch();
        sketch.Add(1);
        var json = JsonConvert.SerializeObject(sketch).Replace("\"count\":1", "\"count\":2");

        Assert.Throws<InvalidDataException>(() => MonitoringJson.Deserialize<QuantileSketch>(json));
    }

    private static QuantileSketch RoundTrip(QuantileSketch sketch) =>
        MonitoringJson.Deserialize<QuantileSketch>(MonitoringJson.Serialize(sketch));
}

/// <summary>Seeded random samples shared by the monitoring tests.</summary>
internal static class Samples
{
    /// <summary>A standard normal draw by Box-Muller.</summary>
    public static double StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public static double[] Normal(int seed, int count, double mean, double standardDeviation)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => mean + standardDeviation * StandardNormal(random)).ToArray();
    }
}
