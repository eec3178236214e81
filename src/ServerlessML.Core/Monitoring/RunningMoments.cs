using Newtonsoft.Json;

namespace ServerlessML.Monitoring;

/// <summary>
/// Count, mean, sum of squared deviations from the mean, min and max of a stream of finite numbers.
/// The squared deviations are kept (Welford; merged with Chan, Golub and LeVeque's pairwise formula)
/// rather than a raw Σx², because Σx² - n·mean² loses every digit when the mean is large compared with
/// the spread (a year column, a timestamp). The merge is exact algebraically; in floating point it agrees
/// with a single pass to about 1e-15 relative.
/// </summary>
public sealed class RunningMoments
{
    [JsonProperty("count")]
    public long Count { get; private set; }

    [JsonProperty("mean")]
    public double Mean { get; private set; }

    /// <summary>Σ (x - mean)².</summary>
    [JsonProperty("sumOfSquaredDeviations")]
    public double SumOfSquaredDeviations { get; private set; }

    /// <summary>Smallest value seen; null while empty.</summary>
    [JsonProperty("min")]
    public double? Min { get; private set; }

    /// <summary>Largest value seen; null while empty.</summary>
    [JsonProperty("max")]
    public double? Max { get; private set; }

    [JsonIgnore]
    public double Sum => Mean * Count;

    /// <summary>Σx², derived from the stored moments (n·(variance + mean²)).</summary>
    [JsonIgnore]
    public double SumOfSquares => SumOfSquaredDeviations + Count * Mean * Mean;

    /// <summary>Variance with divisor n (numpy's default, ddof = 0); NaN while empty.</summary>
    [JsonIgnore]
    public double PopulationVariance => Count > 0 ? SumOfSquaredDeviations / Count : double.NaN;

    /// <summary>Standard deviation with divisor n (numpy's <c>np.std</c>, which Evidently uses to norm Wasserstein).</summary>
    [JsonIgnore]
    public double PopulationStandardDeviation => Math.Sqrt(PopulationVariance);

    /// <summary>Variance with divisor n - 1; NaN below two observations.</summary>
    [JsonIgnore]
    public double SampleVariance => Count > 1 ? SumOfSquaredDeviations / (Count - 1) : double.NaN;

    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "RunningMoments takes finite values only; count NaN and infinities separately.");
        }

        Count++;
        var delta = value - Mean;
        Mean += delta / Count;
        SumOfSquaredDeviations += delta * (value - Mean);
        Min = Min is { } min ? Math.Min(min, value) : value;
        Max = Max is { } max ? Math.Max(max, value) : value;
    }

    public void Merge(RunningMoments other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
        {
            return;
        }

        if (Count == 0)
        {
            CopyFrom(other);
            return;
        }

        double total = Count + other.Count;
        var delta = other.Mean - Mean;
        SumOfSquaredDeviations += other.SumOfSquaredDeviations + delta * delta * Count * other.Count / total;
        Mean += delta * other.Count / total;
        Count += other.Count;
        Min = Math.Min(Min!.Value, other.Min!.Value);
        Max = Math.Max(Max!.Value, other.Max!.Value);
    }

    public RunningMoments Clone()
    {
        var copy = new RunningMoments();
        copy.CopyFrom(this);
        return copy;
    }

    private void CopyFrom(RunningMoments other)
    {
        Count = other.Count;
        Mean = other.Mean;
        SumOfSquaredDeviations = other.SumOfSquaredDeviations;
        Min = other.Min;
        Max = other.Max;
    }
}
