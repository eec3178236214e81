using System.Runtime.Serialization;
using Newtonsoft.Json;

namespace ServerlessML.Monitoring;

/// <summary>
/// Mergeable counts for binary classification against feedback labels: the confusion counts at the
/// positive label, a histogram of positive-class scores per actual class (for ROC AUC), the log-loss sum
/// and 10 equal-width calibration bins. Precision, recall and F1 follow scikit-learn's default
/// <c>zero_division</c>: an undefined ratio counts as 0.
/// </summary>
public sealed class BinaryClassificationAggregate
{
    public const int DefaultScoreBins = 1000;
    public const int CalibrationBins = 10;

    // Probabilities are clipped to [ε, 1 - ε] for the log loss, ε = machine epsilon, as scikit-learn does now.
    private const double LogLossEpsilon = 2.220446049250313e-16;

    // Inner edges 0.1 … 0.9 computed as numpy's linspace does (i · 0.1); a score's bin is the number of edges strictly
    // below it, as scikit-learn's calibration_curve (np.searchsorted, side "left"), so bins are (eᵢ₋₁, eᵢ] and a score on
    // an edge belongs to the lower bin.
    private static readonly double[] CalibrationEdges = Enumerable.Range(1, CalibrationBins - 1).Select(i => i * 0.1).ToArray();

    [JsonProperty("positiveScores")]
    private long[] _positiveScores = [];

    [JsonProperty("negativeScores")]
    private long[] _negativeScores = [];

    [JsonProperty("calibrationCounts")]
    private long[] _calibrationCounts = new long[CalibrationBins];

    [JsonProperty("calibrationScoreSums")]
    private double[] _calibrationScoreSums = new double[CalibrationBins];

    [JsonProperty("calibrationPositives")]
    private long[] _calibrationPositives = new long[CalibrationBins];

    [JsonConstructor]
    private BinaryClassificationAggregate()
    {
    }

    /// <param name="scoreBins">Equal-width bins on [0, 1] for the positive-class score; AUC's error bound shrinks as they grow.</param>
    public BinaryClassificationAggregate(int scoreBins = DefaultScoreBins)
    {
        if (scoreBins < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(scoreBins), scoreBins, "At least one score bin is needed.");
        }

        _positiveScores = new long[scoreBins];
        _negativeScores = new long[scoreBins];
    }

    [JsonProperty("truePositives")]
    public long TruePositives { get; private set; }

    [JsonProperty("falsePositives")]
    public long FalsePositives { get; private set; }

    [JsonProperty("trueNegatives")]
    public long TrueNegatives { get; private set; }

    [JsonProperty("falseNegatives")]
    public long FalseNegatives { get; private set; }

    /// <summary>Observations that came with a positive-class score.</summary>
    [JsonProperty("scoredCount")]
    public long ScoredCount { get; private set; }

    [JsonProperty("logLossSum")]
    public double LogLossSum { get; private set; }

    [JsonIgnore]
    public int ScoreBins => _positiveScores.Length;

    [JsonIgnore]
    public long Count => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;

    /// <param name="actualPositive">Whether the feedback label is the positive label.</param>
    /// <param name="predictedPositive">Whether the predicted label is the positive label.</param>
    /// <param name="positiveScore">The predicted probability of the positive label, in [0, 1]; null when the model gives none.</param>
    public void Add(bool actualPositive, bool predictedPositive, double? positiveScore = null)
    {
        if (positiveScore is { } checkedScore && !(checkedScore >= 0 && checkedScore <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(positiveScore), checkedScore,
                "The positive-class score must be a probability in [0, 1]; map raw margins through the model's link function first.");
        }

        switch (actualPositive, predictedPositive)
        {
            case (true, true): TruePositives++; break;
            case (false, true): FalsePositives++; break;
            case (false, false): TrueNegatives++; break;
            default: FalseNegatives++; break;
        }

        if (positiveScore is not { } score)
        {
            return;
        }

        ScoredCount++;
        var bin = Math.Min((int)(score * ScoreBins), ScoreBins - 1);
        (actualPositive ? _positiveScores : _negativeScores)[bin]++;

        var probabilityOfActual = Math.Clamp(actualPositive ? score : 1 - score, LogLossEpsilon, 1 - LogLossEpsilon);
        LogLossSum -= Math.Log(probabilityOfActual);

        var edgeIndex = Array.BinarySearch(CalibrationEdges, score);
        var calibrationBin = edgeIndex >= 0 ? edgeIndex : ~edgeIndex;
        _calibrationCounts[calibrationBin]++;
        _calibrationScoreSums[calibrationBin] += score;
        if (actualPositive)
        {
            _calibrationPositives[calibrationBin]++;
        }
    }

    public void Merge(BinaryClassificationAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.ScoreBins != ScoreBins)
        {
            throw new InvalidOperationException($"Cannot merge classification aggregates with {ScoreBins} and {other.ScoreBins} score bins.");
        }

        TruePositives += other.TruePositives;
        FalsePositives += other.FalsePositives;
        TrueNegatives += other.TrueNegatives;
        FalseNegatives += other.FalseNegatives;
        ScoredCount += other.ScoredCount;
        LogLossSum += other.LogLossSum;
        for (var i = 0; i < ScoreBins; i++)
        {
            _positiveScores[i] += other._positiveScores[i];
            _negativeScores[i] += other._negativeScores[i];
        }

        for (var i = 0; i < CalibrationBins; i++)
        {
            _calibrationCounts[i] += other._calibrationCounts[i];
            _calibrationScoreSums[i] += other._calibrationScoreSums[i];
            _calibrationPositives[i] += other._calibrationPositives[i];
        }
    }

    public BinaryClassificationMetrics Metrics()
    {
        var count = Count;
        var precision = Ratio(TruePositives, TruePositives + FalsePositives);
        var recall = Ratio(TruePositives, TruePositives + FalseNegatives);
        var positives = _positiveScores.Sum();
        var negatives = _negativeScores.Sum();
        double? auc = null, aucError = null;
        if (positives > 0 && negatives > 0)
        {
            // Pairs in different bins are ordered exactly; a pair in the same bin counts ½, as a tie does,
            // and is off by at most ½: hence the bound.
            double correct = 0, sameBin = 0, negativesBelow = 0;
            for (var i = 0; i < ScoreBins; i++)
            {
                correct += _positiveScores[i] * (negativesBelow + 0.5 * _negativeScores[i]);
                sameBin += (double)_positiveScores[i] * _negativeScores[i];
                negativesBelow += _negativeScores[i];
            }

            double pairs = (double)positives * negatives;
            auc = correct / pairs;
            aucError = 0.5 * sameBin / pairs;
        }

        double? calibrationError = null;
        if (ScoredCount > 0)
        {
            var sum = 0.0;
            for (var i = 0; i < CalibrationBins; i++)
            {
                if (_calibrationCounts[i] > 0)
                {
                    var meanScore = _calibrationScoreSums[i] / _calibrationCounts[i];
                    var positiveShare = (double)_calibrationPositives[i] / _calibrationCounts[i];
                    sum += _calibrationCounts[i] * Math.Abs(meanScore - positiveShare);
                }
            }

            calibrationError = sum / ScoredCount;
        }

        return new BinaryClassificationMetrics
        {
            Count = count,
            ActualPositives = TruePositives + FalseNegatives,
            ActualNegatives = TrueNegatives + FalsePositives,
            ScoredCount = ScoredCount,
            Accuracy = count > 0 ? (double)(TruePositives + TrueNegatives) / count : null,
            Precision = count > 0 ? precision : null,
            Recall = count > 0 ? recall : null,
            F1 = count > 0 ? (precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0) : null,
            RocAuc = auc,
            RocAucErrorBound = aucError,
            LogLoss = ScoredCount > 0 ? LogLossSum / ScoredCount : null,
            ExpectedCalibrationError = calibrationError,
        };
    }

    private static double Ratio(long numerator, long denominator) => denominator > 0 ? (double)numerator / denominator : 0;

    [OnDeserialized]
    private void Validate(StreamingContext context)
    {
        if (_positiveScores.Length == 0 || _positiveScores.Length != _negativeScores.Length ||
            _calibrationCounts.Length != CalibrationBins || _calibrationScoreSums.Length != CalibrationBins || _calibrationPositives.Length != CalibrationBins)
        {
            throw new InvalidDataException("A stored binary classification aggregate has score or calibration bins of inconsistent lengths.");
        }
    }
}

/// <summary>Binary classification metrics with their sample sizes; null where the data cannot define the metric.</summary>
public sealed record BinaryClassificationMetrics
{
    [JsonProperty("count")]
    public long Count { get; init; }

    [JsonProperty("actualPositives")]
    public long ActualPositives { get; init; }

    [JsonProperty("actualNegatives")]
    public long ActualNegatives { get; init; }

    /// <summary>Observations with a score: the n of AUC, log loss and calibration error.</summary>
    [JsonProperty("scoredCount")]
    public long ScoredCount { get; init; }

    [JsonProperty("accuracy")]
    public double? Accuracy { get; init; }

    [JsonProperty("precision")]
    public double? Precision { get; init; }

    [JsonProperty("recall")]
    public double? Recall { get; init; }

    [JsonProperty("f1")]
    public double? F1 { get; init; }

    /// <summary>ROC AUC from the score histogram; null without both classes.</summary>
    [JsonProperty("rocAuc")]
    public double? RocAuc { get; init; }

    /// <summary>|histogram AUC - exact AUC| is at most this: half the share of positive-negative pairs that share a bin.</summary>
    [JsonProperty("rocAucErrorBound")]
    public double? RocAucErrorBound { get; init; }

    [JsonProperty("logLoss")]
    public double? LogLoss { get; init; }

    /// <summary>Σ (n_b/n)·|mean score_b - positive share_b| over 10 equal-width score bins (0, 0.1], (0.1, 0.2], … as scikit-learn's calibration_curve.</summary>
    [JsonProperty("expectedCalibrationError")]
    public double? ExpectedCalibrationError { get; init; }
}

/// <summary>
/// Mergeable confusion counts for multiclass classification (actual label → predicted label → count) and
/// the log-loss sum when the probability of the actual label is known. Macro averages follow scikit-learn
/// (<c>average="macro"</c> over every label seen as actual or predicted; undefined ratios count as 0).
/// </summary>
public sealed class MulticlassClassificationAggregate
{
    private const double LogLossEpsilon = 2.220446049250313e-16;

    [JsonProperty("confusion")]
    private SortedDictionary<string, SortedDictionary<string, long>> _confusion = new(StringComparer.Ordinal);

    [JsonProperty("scoredCount")]
    public long ScoredCount { get; private set; }

    [JsonProperty("logLossSum")]
    public double LogLossSum { get; private set; }

    /// <summary>Actual label → predicted label → count.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, SortedDictionary<string, long>> Confusion => _confusion;

    /// <param name="probabilityOfActual">The predicted probability of the actual label, if the model gives probabilities.</param>
    public void Add(string actual, string predicted, double? probabilityOfActual = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        if (probabilityOfActual is { } checkedProbability && !(checkedProbability >= 0 && checkedProbability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probabilityOfActual), checkedProbability, "A probability must lie in [0, 1].");
        }

        Increment(actual, predicted, 1);
        if (probabilityOfActual is { } probability)
        {
            ScoredCount++;
            LogLossSum -= Math.Log(Math.Clamp(probability, LogLossEpsilon, 1 - LogLossEpsilon));
        }
    }

    public void Merge(MulticlassClassificationAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (actual, row) in other._confusion)
        {
            foreach (var (predicted, count) in row)
            {
                Increment(actual, predicted, count);
            }
        }

        ScoredCount += other.ScoredCount;
        LogLossSum += other.LogLossSum;
    }

    public MulticlassClassificationMetrics Metrics()
    {
        var labels = _confusion.Keys.Concat(_confusion.Values.SelectMany(row => row.Keys)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        long total = 0, correct = 0;
        var perClass = new List<ClassMetrics>();
        foreach (var label in labels)
        {
            var truePositives = _confusion.TryGetValue(label, out var row) ? row.GetValueOrDefault(label) : 0;
            var actual = row?.Values.Sum() ?? 0;
            var predicted = _confusion.Values.Sum(r => r.GetValueOrDefault(label));
            var precision = predicted > 0 ? (double)truePositives / predicted : 0;
            var recall = actual > 0 ? (double)truePositives / actual : 0;
            var f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
            perClass.Add(new ClassMetrics(label, actual, predicted, precision, recall, f1));
            total += actual;
            correct += truePositives;
        }

        return new MulticlassClassificationMetrics
        {
            Count = total,
            ScoredCount = ScoredCount,
            Accuracy = total > 0 ? (double)correct / total : null,
            MacroPrecision = perClass.Count > 0 ? perClass.Average(c => c.Precision) : null,
            MacroRecall = perClass.Count > 0 ? perClass.Average(c => c.Recall) : null,
            MacroF1 = perClass.Count > 0 ? perClass.Average(c => c.F1) : null,
            LogLoss = ScoredCount > 0 ? LogLossSum / ScoredCount : null,
            Classes = perClass,
        };
    }

    private void Increment(string actual, string predicted, long count)
    {
        if (!_confusion.TryGetValue(actual, out var row))
        {
            row = new SortedDictionary<string, long>(StringComparer.Ordinal);
            _confusion[actual] = row;
        }

        row[predicted] = row.GetValueOrDefault(predicted) + count;
    }

    [OnDeserialized]
    private void Restore(StreamingContext context)
    {
        var restored = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var (actual, row) in _confusion ?? [])
        {
            restored[actual] = new SortedDictionary<string, long>(row, StringComparer.Ordinal);
        }

        _confusion = restored;
    }
}

public sealed record ClassMetrics(
    [property: JsonProperty("label")] string Label,
    [property: JsonProperty("actualCount")] long ActualCount,
    [property: JsonProperty("predictedCount")] long PredictedCount,
    [property: JsonProperty("precision")] double Precision,
    [property: JsonProperty("recall")] double Recall,
    [property: JsonProperty("f1")] double F1);

public sealed record MulticlassClassificationMetrics
{
    [JsonProperty("count")]
    public long Count { get; init; }

    [JsonProperty("scoredCount")]
    public long ScoredCount { get; init; }

    [JsonProperty("accuracy")]
    public double? Accuracy { get; init; }

    [JsonProperty("macroPrecision")]
    public double? MacroPrecision { get; init; }

    [JsonProperty("macroRecall")]
    public double? MacroRecall { get; init; }

    [JsonProperty("macroF1")]
    public double? MacroF1 { get; init; }

    [JsonProperty("logLoss")]
    public double? LogLoss { get; init; }

    [JsonProperty("classes")]
    public IReadOnlyList<ClassMetrics> Classes { get; init; } = [];
}

/// <summary>Exact metrics over raw pairs, for tests and small data.</summary>
public static class RocAuc
{
    /// <summary>
    /// Exact ROC AUC: the probability that a random positive scores above a random negative, ties counting ½
    /// (the Mann-Whitney U statistic over P·N, which equals scikit-learn's <c>roc_auc_score</c>).
    /// </summary>
    public static double Exact(IReadOnlyList<double> scores, IReadOnlyList<bool> actualPositive)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(actualPositive);
        if (scores.Count != actualPositive.Count)
        {
            throw new ArgumentException($"Got {scores.Count} scores for {actualPositive.Count} labels.");
        }

        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double positiveRankSum = 0;
        long positives = 0;
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[start]])
            {
                end++;
            }

            var averageRank = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++)
            {
                if (actualPositive[order[k]])
                {
                    positiveRankSum += averageRank;
                    positives++;
                }
            }

            start = end + 1;
        }

        long negatives = scores.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new ArgumentException("ROC AUC needs both positive and negative labels.");
        }

        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
