using System.Runtime.Serialization;
using Newtonsoft.Json;

namespace ServerlessML.Monitoring;

/// <summary>
/// Exact counts of each distinct value of a numeric feature, while there are at most
/// <see cref="MaxDistinctValues"/> of them. Evidently treats a numeric column with few unique values as
/// categories (chi-square, Z-test or Jensen-Shannon at five or fewer, PSI on values at twenty or fewer),
/// and this is what tells. Past the cap the counts are dropped and only "more than the cap" is kept, so
/// memory stays bounded and a merge gives exactly what one pass over all the data would.
/// </summary>
public sealed class DistinctValueCounts
{
    public const int DefaultMaxDistinctValues = 64;

    [JsonProperty("values")]
    private List<double> _values = [];

    [JsonProperty("counts")]
    private List<long> _counts = [];

    [JsonConstructor]
    private DistinctValueCounts()
    {
    }

    public DistinctValueCounts(int maxDistinctValues = DefaultMaxDistinctValues)
    {
        if (maxDistinctValues < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDistinctValues), maxDistinctValues, "The cap on distinct values must be at least 1.");
        }

        MaxDistinctValues = maxDistinctValues;
    }

    [JsonProperty("maxDistinctValues")]
    public int MaxDistinctValues { get; private set; }

    /// <summary>True once more than <see cref="MaxDistinctValues"/> distinct values were seen; the counts are then gone.</summary>
    [JsonProperty("overflowed")]
    public bool Overflowed { get; private set; }

    /// <summary>Distinct values in increasing order (empty once overflowed).</summary>
    [JsonIgnore]
    public IReadOnlyList<double> Values => _values;

    [JsonIgnore]
    public IReadOnlyList<long> Counts => _counts;

    /// <summary>The number of distinct values, or null when it is only known to exceed the cap.</summary>
    [JsonIgnore]
    public int? DistinctCount => Overflowed ? null : _values.Count;

    public void Add(double value, long count = 1)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Only finite values are counted.");
        }

        if (Overflowed)
        {
            return;
        }

        var index = _values.BinarySearch(value);
        if (index >= 0)
        {
            _counts[index] += count;
            return;
        }

        if (_values.Count == MaxDistinctValues)
        {
            Overflow();
            return;
        }

        _values.Insert(~index, value);
        _counts.Insert(~index, count);
    }

    public long CountOf(double value)
    {
        var index = _values.BinarySearch(value);
        return index >= 0 ? _counts[index] : 0;
    }

    public void Merge(DistinctValueCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.MaxDistinctValues != MaxDistinctValues)
        {
            throw new InvalidOperationException(
                $"Cannot merge distinct-value counts capped at {MaxDistinctValues} and {other.MaxDistinctValues}; build both from the same reference profile.");
        }

        if (other.Overflowed)
        {
            Overflow();
            return;
        }

        for (var i = 0; i < other._values.Count && !Overflowed; i++)
        {
            Add(other._values[i], other._counts[i]);
        }
    }

    public DistinctValueCounts CreateEmpty() => new(MaxDistinctValues);

    private void Overflow()
    {
        Overflowed = true;
        _values.Clear();
        _counts.Clear();
    }

    [OnDeserialized]
    private void Validate(StreamingContext context)
    {
        if (_values.Count != _counts.Count || _values.Count > MaxDistinctValues || MaxDistinctValues < 1)
        {
            throw new InvalidDataException(
                $"Stored distinct-value counts are inconsistent: {_values.Count} values, {_counts.Count} counts, cap {MaxDistinctValues}.");
        }

        for (var i = 1; i < _values.Count; i++)
        {
            if (!(_values[i] > _values[i - 1]))
            {
                throw new InvalidDataException("Stored distinct values are not strictly increasing.");
            }
        }
    }
}
