using Newtonsoft.Json;

namespace ServerlessML.Monitoring;

/// <summary>
/// Mergeable sums for regression against feedback labels: absolute and squared errors, absolute
/// percentage errors over non-zero targets (zero targets are skipped and counted, since the percentage is
/// undefined there; scikit-learn instead divides by a tiny epsilon), and the target's moments for R².
/// </summary>
public sealed class RegressionAggregate
{
    [JsonProperty("sumAbsoluteError")]
    public double SumAbsoluteError { get; private set; }

    [JsonProperty("sumSquaredError")]
    public double SumSquaredError { get; private set; }

    [JsonProperty("sumAbsolutePercentageError")]
    public double SumAbsolutePercentageError { get; private set; }

    [JsonProperty("zeroTargetCount")]
    public long ZeroTargetCount { get; private set; }

    /// <summary>Moments of the actual values; their count is the number of pairs.</summary>
    [JsonProperty("target")]
    public RunningMoments Target { get; private set; } = new();

    [JsonIgnore]
    public long Count => Target.Count;

    public void Add(double actual, double predicted)
    {
        if (!double.IsFinite(actual) || !double.IsFinite(predicted))
        {
            throw new ArgumentOutOfRangeException(nameof(actual), $"Regression pairs must be finite; got actual {actual}, predicted {predicted}.");
        }

        var error = actual - predicted;
        SumAbsoluteError += Math.Abs(error);
        SumSquaredError += error * error;
        if (actual == 0)
        {
            ZeroTargetCount++;
        }
        else
        {
            SumAbsolutePercentageError += Math.Abs(error) / Math.Abs(actual);
        }

        Target.Add(actual);
    }

    public void Merge(RegressionAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        SumAbsoluteError += other.SumAbsoluteError;
        SumSquaredError += other.SumSquaredError;
        SumAbsolutePercentageError += other.SumAbsolutePercentageError;
        ZeroTargetCount += other.ZeroTargetCount;
        Target.Merge(other.Target ?? new RunningMoments());
    }

    public RegressionMetrics Metrics()
    {
        var n = Count;
        var percentageCount = n - ZeroTargetCount;
        double? r2 = null;
        if (n > 0)
        {
            var totalSumOfSquares = Target.SumOfSquaredDeviations;
            // scikit-learn's r2_score (force_finite): a constant target gives 1 for a perfect fit, else 0.
            r2 = totalSumOfSquares > 0 ? 1 - SumSquaredError / totalSumOfSquares : SumSquaredError == 0 ? 1 : 0;
        }

        return new RegressionMetrics
        {
            Count = n,
            MapeCount = percentageCount,
            ZeroTargetCount = ZeroTargetCount,
            MeanAbsoluteError = n > 0 ? SumAbsoluteError / n : null,
            RootMeanSquaredError = n > 0 ? Math.Sqrt(SumSquaredError / n) : null,
            MeanAbsolutePercentageError = percentageCount > 0 ? SumAbsolutePercentageError / percentageCount : null,
            R2 = r2,
        };
    }
}

/// <summary>Regression metrics with their sample sizes. MAPE is a fraction (0.1 = 10%), over non-zero targets.</summary>
public sealed record RegressionMetrics
{
    [JsonProperty("count")]
    public long Count { get; init; }

    /// <summary>Pairs MAPE is computed over: those with a non-zero target.</summary>
    [JsonProperty("mapeCount")]
    public long MapeCount { get; init; }

    [JsonProperty("zeroTargetCount")]
    public long ZeroTargetCount { get; init; }

    [JsonProperty("mae")]
    public double? MeanAbsoluteError { get; init; }

    [JsonProperty("rmse")]
    public double? RootMeanSquaredError { get; init; }

    [JsonProperty("mape")]
    public double? MeanAbsolutePercentageError { get; init; }

    [JsonProperty("r2")]
    public double? R2 { get; init; }
}
