using System.Runtime.Serialization;
using Newtonsoft.Json;

namespace ServerlessML.Monitoring;

/// <summary>
/// Everything kept about one numeric feature (or a numeric prediction) over a window, in memory that
/// does not grow with the number of observations: counts on the reference decile bins with moments and
/// missing counts (<see cref="NumericHistogram"/>), exact counts of few distinct values
/// (<see cref="DistinctValueCounts"/>) and a quantile sketch (<see cref="QuantileSketch"/>). Create one
/// with <see cref="NumericReference.CreateAggregate"/> so that its bins and sketch match the reference.
/// </summary>
public sealed class NumericFeatureAggregate
{
    [JsonConstructor]
    private NumericFeatureAggregate()
    {
        Histogram = null!;
        DistinctValues = null!;
        Sketch = null!;
    }

    public NumericFeatureAggregate(NumericHistogram histogram, DistinctValueCounts distinctValues, QuantileSketch sketch)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentNullException.ThrowIfNull(distinctValues);
        ArgumentNullException.ThrowIfNull(sketch);
        if (histogram.TotalObservations != 0 || sketch.Count != 0 || distinctValues.Values.Count != 0 || distinctValues.Overflowed)
        {
            throw new ArgumentException("A new numeric aggregate must start from empty parts.");
        }

        Histogram = histogram;
        DistinctValues = distinctValues;
        Sketch = sketch;
    }

    [JsonProperty("histogram")]
    public NumericHistogram Histogram { get; private set; }

    [JsonProperty("distinctValues")]
    public DistinctValueCounts DistinctValues { get; private set; }

    [JsonProperty("sketch")]
    public QuantileSketch Sketch { get; private set; }

    /// <summary>Finite values seen.</summary>
    [JsonIgnore]
    public long Count => Histogram.Count;

    /// <summary>Counts one observation; null and NaN count as missing, ±∞ as infinite, neither enters the statistics.</summary>
    public void Add(double? value)
    {
        if (value is { } x && double.IsFinite(x))
        {
            // The sketch is the only part that can refuse a finite value (one so far from the offset that the
            // distance overflows), so it goes first and a refused value is counted nowhere.
            Sketch.Add(x);
            DistinctValues.Add(x);
        }

        Histogram.Add(value);
    }

    public void Merge(NumericFeatureAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Histogram.Merge(other.Histogram);
        DistinctValues.Merge(other.DistinctValues);
        Sketch.Merge(other.Sketch);
    }

    /// <summary>An empty aggregate with the same bins, cap and sketch settings.</summary>
    public NumericFeatureAggregate CreateEmpty() => new(Histogram.CreateEmpty(), DistinctValues.CreateEmpty(), Sketch.CreateEmpty());

    [OnDeserialized]
    private void Validate(StreamingContext context)
    {
        if (Histogram is null || DistinctValues is null || Sketch is null)
        {
            throw new InvalidDataException("A stored numeric aggregate lacks its histogram, distinct values or sketch.");
        }

        if (Sketch.Count != Histogram.Count)
        {
            throw new InvalidDataException(
                $"A stored numeric aggregate holds {Histogram.Count} values in its histogram but {Sketch.Count} in its sketch.");
        }
    }
}
