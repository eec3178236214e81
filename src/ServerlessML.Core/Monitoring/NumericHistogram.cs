using System.Runtime.Serialization;
using Newtonsoft.Json;

namespace ServerlessML.Monitoring;

/// <summary>
/// Counts of a numeric feature on fixed bin edges (taken from the reference deciles), with open-ended
/// outer bins: bin 0 is (-∞, e₀), bin i is [eᵢ₋₁, eᵢ), the last is [eₙ₋₁, +∞), the left-closed convention
/// of numpy's histogram. Null and NaN are counted apart, and so are ±∞ (Evidently drops both before it
/// tests for drift); neither enters the bins or the moments. Merging two histograms on the same edges is exact.
/// </summary>
public sealed class NumericHistogram
{
    [JsonProperty("edges")]
    private double[] _edges = [];

    [JsonProperty("counts")]
    private long[] _counts = [];

    [JsonConstructor]
    private NumericHistogram()
    {
    }

    /// <param name="edges">Strictly increasing finite edges; duplicates (ties in the reference deciles) are removed.</param>
    public NumericHistogram(IEnumerable<double> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var sorted = edges.ToArray();
        foreach (var edge in sorted)
        {
            if (!double.IsFinite(edge))
            {
                throw new ArgumentException($"Histogram edges must be finite; got {edge}.", nameof(edges));
            }
        }

        Array.Sort(sorted);
        _edges = sorted.Distinct().ToArray();
        _counts = new long[_edges.Length + 1];
    }

    [JsonIgnore]
    public IReadOnlyList<double> Edges => _edges;

    /// <summary>One count per bin: <see cref="Edges"/>.Count + 1 bins.</summary>
    [JsonIgnore]
    public IReadOnlyList<long> Counts => _counts;

    [JsonProperty("nullCount")]
    public long NullCount { get; private set; }

    [JsonProperty("infinityCount")]
    public long InfinityCount { get; private set; }

    /// <summary>Moments of the finite values.</summary>
    [JsonProperty("moments")]
    public RunningMoments Moments { get; private set; } = new();

    /// <summary>Finite values counted in the bins.</summary>
    [JsonIgnore]
    public long Count => Moments.Count;

    /// <summary>Every observation, null and infinite included.</summary>
    [JsonIgnore]
    public long TotalObservations => Moments.Count + NullCount + InfinityCount;

    /// <summary>The bin a finite value falls in: the number of edges ≤ value.</summary>
    public int BinOf(double value)
    {
        var index = Array.BinarySearch(_edges, value);
        return index >= 0 ? index + 1 : ~index;
    }

    /// <summary>Counts one observation; null and NaN count as missing.</summary>
    public void Add(double? value)
    {
        if (value is not { } x || double.IsNaN(x))
        {
            NullCount++;
            return;
        }

        if (double.IsInfinity(x))
        {
            InfinityCount++;
            return;
        }

        _counts[BinOf(x)]++;
        Moments.Add(x);
    }

    public void Merge(NumericHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!_edges.AsSpan().SequenceEqual(other._edges))
        {
            throw new InvalidOperationException(
                "Cannot merge histograms with different bin edges; aggregates of one feature must be built from the same reference profile.");
        }

        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        NullCount += other.NullCount;
        InfinityCount += other.InfinityCount;
        Moments.Merge(other.Moments);
    }

    /// <summary>An empty histogram on the same edges.</summary>
    public NumericHistogram CreateEmpty() => new(_edges);

    [OnDeserialized]
    private void Validate(StreamingContext context)
    {
        Moments ??= new RunningMoments();
        if (_counts.Length != _edges.Length + 1)
        {
            throw new InvalidDataException(
                $"A stored numeric histogram has {_edges.Length} edges but {_counts.Length} counts; it needs edges + 1 counts.");
        }

        for (var i = 1; i < _edges.Length; i++)
        {
            if (!(_edges[i] > _edges[i - 1]))
            {
                throw new InvalidDataException("A stored numeric histogram has edges that are not strictly increasing.");
            }
        }

        if (_counts.Sum() != Moments.Count)
        {
            throw new InvalidDataException(
                $"A stored numeric histogram counts {_counts.Sum()} values in its bins but {Moments.Count} in its moments.");
        }
    }
}
