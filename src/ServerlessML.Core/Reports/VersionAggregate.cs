using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using ServerlessML.Fairness;
using ServerlessML.Logging;
using ServerlessML.Monitoring;
using ServerlessML.Registry;

namespace ServerlessML.Reports;

/// <summary>Requests, errors and latency of one route (production, canary, shadow, explicit).</summary>
public sealed class RouteOperations
{
    /// <summary>Requests logged (one per request, whatever its rows).</summary>
    [JsonProperty("requests")]
    public long Requests { get; set; }

    /// <summary>Requests served, estimated from the sample rate: Σ 1 / sample rate.</summary>
    [JsonProperty("estimatedRequests")]
    public double EstimatedRequests { get; set; }

    [JsonProperty("errors")]
    public long Errors { get; set; }

    [JsonProperty("latencyMs")]
    public QuantileSketch Latency { get; set; } = new();

    public void Add(PredictionRecord record)
    {
        Requests++;
        EstimatedRequests += record.SampleRate > 0 ? 1 / record.SampleRate : 1;
        if (record.IsError)
        {
            Errors++;
        }

        Latency.Add(record.LatencyMs);
    }

    public void Merge(RouteOperations other)
    {
        Requests += other.Requests;
        EstimatedRequests += other.EstimatedRequests;
        Errors += other.Errors;
        Latency.Merge(other.Latency);
    }
}

/// <summary>
/// The mergeable aggregate of one model version over a period: operations per route, feature and prediction
/// distributions on the version's fixed bins, data-quality counts, performance counts of labelled rows and
/// fairness counts per group. Its size depends on the features and bins, never on the number of predictions.
/// </summary>
public sealed class VersionAggregate
{
    [JsonProperty("routes")]
    public Dictionary<string, RouteOperations> Routes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Rows predicted (failed requests excluded).</summary>
    [JsonProperty("rows")]
    public long Rows { get; set; }

    /// <summary>Rows with a feedback label.</summary>
    [JsonProperty("labeledRows")]
    public long LabeledRows { get; set; }

    [JsonProperty("numeric")]
    public Dictionary<string, NumericFeatureAggregate> Numeric { get; set; } = new(StringComparer.Ordinal);

    [JsonProperty("categorical")]
    public Dictionary<string, CategoryCounts> Categorical { get; set; } = new(StringComparer.Ordinal);

    [JsonProperty("quality")]
    public DataQualityAggregate Quality { get; set; } = new();

    /// <summary>The predicted probability of the positive class, or the regression prediction.</summary>
    [JsonProperty("predictionScore")]
    public NumericFeatureAggregate? PredictionScore { get; set; }

    [JsonProperty("predictionLabel")]
    public CategoryCounts? PredictionLabel { get; set; }

    [JsonProperty("binary", NullValueHandling = NullValueHandling.Ignore)]
    public BinaryClassificationAggregate? Binary { get; set; }

    [JsonProperty("multiclass", NullValueHandling = NullValueHandling.Ignore)]
    public MulticlassClassificationAggregate? Multiclass { get; set; }

    [JsonProperty("regression", NullValueHandling = NullValueHandling.Ignore)]
    public RegressionAggregate? Regression { get; set; }

    [JsonProperty("fairness", NullValueHandling = NullValueHandling.Ignore)]
    public FairnessCounts? Fairness { get; set; }

    /// <summary>Counts one record of the log; <paramref name="label"/> is its feedback label, if any.</summary>
    public void Observe(PredictionRecord record, JValue? label, VersionLayout layout)
    {
        if (record.FirstOfRequest)
        {
            string route = record.Route ?? "unknown";
            if (!Routes.TryGetValue(route, out var operations))
            {
                Routes[route] = operations = new RouteOperations();
            }

            operations.Add(record);
        }

        // A failed request has no prediction; a record of a whole request holds tensor summaries, not feature values.
        if (record.IsError || record.Row is null || record.Outputs is null)
        {
            return;
        }

        Rows++;
        Quality.Observe(record.Features, layout.Rules);
        foreach (var (name, numeric) in Numeric)
        {
            numeric.Add(VersionLayout.Number(record.Features[name]));
        }

        foreach (var (name, categorical) in Categorical)
        {
            categorical.Add(VersionLayout.LabelText(VersionLayout.FeatureValue(record, name)));
        }

        string? predicted = VersionLayout.LabelText(record.Label);
        double? score = layout.Task == ModelTasks.Regression ? record.Score ?? VersionLayout.Number(record.Label) : layout.PositiveScore(record);
        // The manifest's decision threshold overrides the model's own label; without a label, 0.5 on the probability.
        // A logged value outside [0, 1] is not a probability (a mis-mapped output): it decides nothing.
        if (layout.IsBinary && score is { } p and >= 0 and <= 1 && (layout.DecisionThreshold is not null || predicted is null))
        {
            predicted = BinaryPrediction.IsPositive(p, layout.DecisionThreshold ?? 0.5) ? layout.PositiveLabel : "negative";
        }

        PredictionLabel?.Add(predicted);
        PredictionScore?.Add(score);

        string? actual = VersionLayout.LabelText(label);
        if (actual is not null)
        {
            LabeledRows++;
        }

        if (Fairness is not null && predicted is not null)
        {
            var values = layout.SensitiveFeatures.Select(f => VersionLayout.LabelText(VersionLayout.FeatureValue(record, f))).ToArray();
            if (layout.IsBinary)
            {
                Fairness.Record(values, predicted == layout.PositiveLabel, actual is null ? null : actual == layout.PositiveLabel);
            }
            else
            {
                Fairness.Record(values, predicted, actual);
            }
        }

        if (actual is null || predicted is null && score is null)
        {
            return;
        }

        if (Binary is not null && predicted is not null)
        {
            Binary.Add(actual == layout.PositiveLabel, predicted == layout.PositiveLabel, score);
        }
        else if (Multiclass is not null && predicted is not null)
        {
            Multiclass.Add(actual, predicted, VersionLayout.ProbabilityOf(record, actual));
        }
        else if (Regression is not null && score is { } prediction && VersionLayout.Number(label) is { } target)
        {
            Regression.Add(target, prediction);
        }
    }

    public void Merge(VersionAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (route, operations) in other.Routes)
        {
            if (Routes.TryGetValue(route, out var mine))
            {
                mine.Merge(operations);
            }
            else
            {
                var copy = new RouteOperations { Latency = operations.Latency.CreateEmpty() };
                copy.Merge(operations);
                Routes[route] = copy;
            }
        }

        Rows += other.Rows;
        LabeledRows += other.LabeledRows;
        MergeInto(Numeric, other.Numeric, (a, b) => a.Merge(b));
        MergeInto(Categorical, other.Categorical, (a, b) => a.Merge(b));
        Quality.Merge(other.Quality);
        Merge(PredictionScore, other.PredictionScore, (a, b) => a.Merge(b));
        Merge(PredictionLabel, other.PredictionLabel, (a, b) => a.Merge(b));
        Merge(Binary, other.Binary, (a, b) => a.Merge(b));
        Merge(Multiclass, other.Multiclass, (a, b) => a.Merge(b));
        Merge(Regression, other.Regression, (a, b) => a.Merge(b));
        Merge(Fairness, other.Fairness, (a, b) => a.MergeFrom(b));
    }

    private static void MergeInto<T>(Dictionary<string, T> mine, Dictionary<string, T> other, Action<T, T> merge)
    {
        foreach (var (name, value) in other)
        {
            if (mine.TryGetValue(name, out var existing))
            {
                merge(existing, value);
            }
        }
    }

    private static void Merge<T>(T? mine, T? other, Action<T, T> merge)
        where T : class
    {
        if (mine is not null && other is not null)
        {
            merge(mine, other);
        }
    }
}

/// <summary>The stored aggregate of one completed hour of one model: one <see cref="VersionAggregate"/> per version.</summary>
public sealed class HourAggregate
{
    public const int CurrentSchemaVersion = 1;

    [JsonProperty("schemaVersion")]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    [JsonProperty("model")]
    public string Model { get; set; } = "";

    [JsonProperty("hour")]
    public DateTimeOffset Hour { get; set; }

    /// <summary>Feedback received before this time is in the counts; later labels of the hour are not.</summary>
    [JsonProperty("labelsThrough")]
    public DateTimeOffset LabelsThrough { get; set; }

    [JsonProperty("versions")]
    public Dictionary<string, VersionAggregate> Versions { get; set; } = new(StringComparer.Ordinal);
}
