using System.Runtime.Serialization;
using Newtonsoft.Json;

namespace ServerlessML.Monitoring;

/// <summary>
/// DDSketch (Masson, Rim and Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
/// relative-error guarantees", VLDB 2019) over x - <see cref="Offset"/>.
/// <para>
/// A value y = x - offset with |y| in (γ^(i-1), γ^i] is counted in bucket i of the store of its sign,
/// γ = (1+α)/(1-α); the bucket stands for ±γ^i(1-α), within α·|y| of every value in it. So a quantile
/// q is returned within α·|Q(q) - offset| of the exact order statistic at rank ⌊q(n-1)⌋ (α = relative
/// accuracy, 1% by default). Latency uses offset 0; a feature uses its reference median, so that the
/// accuracy is relative to the distance from the centre of the data rather than to the raw value
/// (1% of a year number would be 20 years).
/// </para>
/// <para>
/// Memory is bounded by <see cref="MaxBucketsPerSign"/>: past it, the buckets nearest the offset are
/// collapsed into one (their values are then only known to lie within that bucket's upper bound of the
/// offset; <see cref="Collapsed"/> says it happened). Merging adds bucket counts, so it is exact: the merge
/// of two sketches is the sketch of all the data, unless collapsing happened.
/// </para>
/// </summary>
public sealed class QuantileSketch
{
    public const double DefaultRelativeAccuracy = 0.01;
    public const int DefaultMaxBucketsPerSign = 2048;

    [JsonProperty("positive")]
    private SortedDictionary<int, long> _positive = new();

    [JsonProperty("negative")]
    private SortedDictionary<int, long> _negative = new();

    [JsonProperty("positiveFloor")]
    private int? _positiveFloor;

    [JsonProperty("negativeFloor")]
    private int? _negativeFloor;

    private double _gamma;
    private double _logGamma;
    private double _minIndexable;

    [JsonConstructor]
    private QuantileSketch()
    {
    }

    public QuantileSketch(double relativeAccuracy = DefaultRelativeAccuracy, double offset = 0, int maxBucketsPerSign = DefaultMaxBucketsPerSign)
    {
        if (!(relativeAccuracy > 0 && relativeAccuracy < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeAccuracy), relativeAccuracy, "Relative accuracy must lie strictly between 0 and 1 (0.01 is 1%).");
        }

        if (!double.IsFinite(offset))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The sketch offset must be finite.");
        }

        if (maxBucketsPerSign < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBucketsPerSign), maxBucketsPerSign, "A sketch needs at least 2 buckets per sign.");
        }

        RelativeAccuracy = relativeAccuracy;
        Offset = offset;
        MaxBucketsPerSign = maxBucketsPerSign;
        InitializeMapping();
    }

    /// <summary>α: every quantile is within α·|Q - offset| of the exact one.</summary>
    [JsonProperty("relativeAccuracy")]
    public double RelativeAccuracy { get; private set; }

    [JsonProperty("offset")]
    public double Offset { get; private set; }

    [JsonProperty("maxBucketsPerSign")]
    public int MaxBucketsPerSign { get; private set; }

    /// <summary>Values equal to the offset (to within the smallest normal double).</summary>
    [JsonProperty("zeroCount")]
    public long ZeroCount { get; private set; }

    [JsonProperty("count")]
    public long Count { get; private set; }

    [JsonProperty("min")]
    public double? Min { get; private set; }

    [JsonProperty("max")]
    public double? Max { get; private set; }

    /// <summary>True when buckets near the offset were collapsed to bound memory.</summary>
    [JsonIgnore]
    public bool Collapsed => _positiveFloor.HasValue || _negativeFloor.HasValue;

    [JsonIgnore]
    public int BucketCount => _positive.Count + _negative.Count + (ZeroCount > 0 ? 1 : 0);

    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The quantile sketch takes finite values only.");
        }

        var y = value - Offset;
        if (!double.IsFinite(y))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"The distance of {value} from the sketch offset {Offset} overflows a double.");
        }

        if (Math.Abs(y) <= _minIndexable)
        {
            ZeroCount++;
        }
        else if (y > 0)
        {
            AddToStore(_positive, ref _positiveFloor, IndexOf(y), 1);
        }
        else
        {
            AddToStore(_negative, ref _negativeFloor, IndexOf(-y), 1);
        }

        Count++;
        Min = Min is { } min ? Math.Min(min, value) : value;
        Max = Max is { } max ? Math.Max(max, value) : value;
    }

    public void Merge(QuantileSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        EnsureCompatible(other);
        if (other.Count == 0)
        {
            return;
        }

        MergeStore(_positive, ref _positiveFloor, other._positive, other._positiveFloor);
        MergeStore(_negative, ref _negativeFloor, other._negative, other._negativeFloor);
        ZeroCount += other.ZeroCount;
        Count += other.Count;
        Min = Min is { } min ? Math.Min(min, other.Min!.Value) : other.Min;
        Max = Max is { } max ? Math.Max(max, other.Max!.Value) : other.Max;
    }

    /// <summary>
    /// The q-quantile (0 ≤ q ≤ 1) as DDSketch defines it: the bucket holding the order statistic of rank
    /// ⌊q(n-1)⌋, clamped to the exact min and max (returned exactly for q = 0 and 1). Null when the sketch is empty.
    /// </summary>
    public double? Quantile(double q)
    {
        if (!(q >= 0 && q <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "A quantile must lie in [0, 1].");
        }

        if (Count == 0)
        {
            return null;
        }

        // The extremes are known exactly.
        if (q == 0)
        {
            return Min;
        }

        if (q == 1)
        {
            return Max;
        }

        var rank = q * (Count - 1);
        long cumulative = 0;
        foreach (var bucket in OrderedBuckets())
        {
            cumulative += bucket.Count;
            if (cumulative > rank)
            {
                return Math.Clamp(bucket.Representative, Min!.Value, Max!.Value);
            }
        }

        return Max;
    }

    /// <summary>Count, min, max and p50/p95/p99, as the report shows latency.</summary>
    public QuantileSummary Summary() =>
        new(Count, Min, Quantile(0.5), Quantile(0.95), Quantile(0.99), Max, RelativeAccuracy);

    /// <summary>An empty sketch with the same accuracy, offset and cap.</summary>
    public QuantileSketch CreateEmpty() => new(RelativeAccuracy, Offset, MaxBucketsPerSign);

    public QuantileSketch Clone()
    {
        var copy = CreateEmpty();
        copy.Merge(this);
        return copy;
    }

    /// <summary>
    /// Non-empty buckets in increasing order of value, each with the value it stands for and the largest
    /// distance a value in it can be from that representative.
    /// </summary>
    public IEnumerable<SketchBucket> OrderedBuckets()
    {
        foreach (var (index, count) in _negative.Reverse())
        {
            yield return MakeBucket(-1, index, count, index == _negativeFloor);
        }

        if (ZeroCount > 0)
        {
            yield return new SketchBucket(0, 0, ZeroCount, Offset, _minIndexable);
        }

        foreach (var (index, count) in _positive)
        {
            yield return MakeBucket(1, index, count, index == _positiveFloor);
        }
    }

    /// <summary>
    /// Copies of two sketches with the same collapse floors, so that their buckets cover the same
    /// intervals and can be compared bucket by bucket.
    /// </summary>
    internal static (QuantileSketch Left, QuantileSketch Right) Aligned(QuantileSketch left, QuantileSketch right)
    {
        left.EnsureCompatible(right);
        var a = left.Clone();
        var b = right.Clone();
        var positiveFloor = MaxFloor(a._positiveFloor, b._positiveFloor);
        var negativeFloor = MaxFloor(a._negativeFloor, b._negativeFloor);
        foreach (var sketch in new[] { a, b })
        {
            if (positiveFloor is { } p)
            {
                ApplyFloor(sketch._positive, ref sketch._positiveFloor, p);
            }

            if (negativeFloor is { } n)
            {
                ApplyFloor(sketch._negative, ref sketch._negativeFloor, n);
            }
        }

        return (a, b);
    }

    private SketchBucket MakeBucket(int sign, int index, long count, bool isFloor)
    {
        var upper = Math.Pow(_gamma, index);
        var representative = upper * (1 - RelativeAccuracy);
        // A floor bucket holds every collapsed value down to the offset, so its values can be anywhere in (0, γ^i].
        var maxError = isFloor ? upper : RelativeAccuracy * upper;
        return new SketchBucket(sign, index, count, Offset + sign * representative, maxError);
    }

    private int IndexOf(double magnitude) => (int)Math.Ceiling(Math.Log(magnitude) / _logGamma);

    private void AddToStore(SortedDictionary<int, long> store, ref int? floor, int index, long count)
    {
        if (floor is { } f && index < f)
        {
            index = f;
        }

        store[index] = store.GetValueOrDefault(index) + count;
        if (store.Count > MaxBucketsPerSign)
        {
            CollapseLowest(store, ref floor);
        }
    }

    private void MergeStore(SortedDictionary<int, long> store, ref int? floor, SortedDictionary<int, long> otherStore, int? otherFloor)
    {
        if (MaxFloor(floor, otherFloor) is { } newFloor)
        {
            ApplyFloor(store, ref floor, newFloor);
        }

        foreach (var (index, count) in otherStore)
        {
            var target = floor is { } f && index < f ? f : index;
            store[target] = store.GetValueOrDefault(target) + count;
        }

        while (store.Count > MaxBucketsPerSign)
        {
            CollapseLowest(store, ref floor);
        }
    }

    private void CollapseLowest(SortedDictionary<int, long> store, ref int? floor)
    {
        var excess = store.Count - MaxBucketsPerSign;
        var lowest = store.Keys.Take(excess + 1).ToArray();
        var newFloor = lowest[^1];
        ApplyFloor(store, ref floor, newFloor);
    }

    private static void ApplyFloor(SortedDictionary<int, long> store, ref int? floor, int newFloor)
    {
        if (floor is { } existing && existing >= newFloor)
        {
            return;
        }

        long moved = 0;
        foreach (var index in store.Keys.TakeWhile(index => index < newFloor).ToArray())
        {
            moved += store[index];
            store.Remove(index);
        }

        if (moved > 0 || store.ContainsKey(newFloor))
        {
            store[newFloor] = store.GetValueOrDefault(newFloor) + moved;
        }

        floor = newFloor;
    }

    private static int? MaxFloor(int? a, int? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private void EnsureCompatible(QuantileSketch other)
    {
        if (other.RelativeAccuracy != RelativeAccuracy || other.Offset != Offset || other.MaxBucketsPerSign != MaxBucketsPerSign)
        {
            throw new InvalidOperationException(
                $"Cannot combine quantile sketches with different settings (accuracy {RelativeAccuracy} vs {other.RelativeAccuracy}, " +
                $"offset {Offset} vs {other.Offset}, cap {MaxBucketsPerSign} vs {other.MaxBucketsPerSign}); " +
                "sketches of one feature must all come from the same reference profile.");
        }
    }

    private void InitializeMapping()
    {
        _gamma = (1 + RelativeAccuracy) / (1 - RelativeAccuracy);
        _logGamma = Math.Log(_gamma);
        _minIndexable = 2.2250738585072014E-308 * _gamma; // smallest normal double, as DDSketch's reference code uses
    }

    [OnDeserialized]
    private void Validate(StreamingContext context)
    {
        if (!(RelativeAccuracy > 0 && RelativeAccuracy < 1) || MaxBucketsPerSign < 2 || !double.IsFinite(Offset))
        {
            throw new InvalidDataException(
                $"A stored quantile sketch has invalid settings: accuracy {RelativeAccuracy}, cap {MaxBucketsPerSign}, offset {Offset}.");
        }

        _positive ??= new SortedDictionary<int, long>();
        _negative ??= new SortedDictionary<int, long>();
        var total = _positive.Values.Sum() + _negative.Values.Sum() + ZeroCount;
        if (total != Count)
        {
            throw new InvalidDataException($"A stored quantile sketch counts {total} values in its buckets but says {Count}.");
        }

        InitializeMapping();
    }
}

/// <summary>
/// One bucket of a <see cref="QuantileSketch"/>: sign (-1, 0 for the offset itself, +1) and index say which
/// interval; every value in it lies within <paramref name="MaxError"/> of <paramref name="Representative"/>.
/// </summary>
public readonly record struct SketchBucket(int Sign, int Index, long Count, double Representative, double MaxError)
{
    /// <summary>Orders buckets by value: negative indices descending, then zero, then positive ascending.</summary>
    public (int Sign, long Position) OrderKey => (Sign, (long)Sign * Index);
}

/// <summary>Percentiles from a <see cref="QuantileSketch"/>, each within <paramref name="RelativeAccuracy"/> of the exact one.</summary>
public sealed record QuantileSummary(
    [property: JsonProperty("count")] long Count,
    [property: JsonProperty("min")] double? Min,
    [property: JsonProperty("p50")] double? P50,
    [property: JsonProperty("p95")] double? P95,
    [property: JsonProperty("p99")] double? P99,
    [property: JsonProperty("max")] double? Max,
    [property: JsonProperty("relativeAccuracy")] double RelativeAccuracy);
