using System.Globalization;
using Newtonsoft.Json.Linq;
using ServerlessML.Fairness;
using ServerlessML.Logging;
using ServerlessML.Monitoring;
using ServerlessML.Registry;
using DriftProfile = ServerlessML.Monitoring.ReferenceProfile;

namespace ServerlessML.Reports;

/// <summary>
/// What one model version's aggregates look like, from its manifest and reference profile: which features are
/// numeric or categorical and on which bins, the data-quality rules, the task, the positive label and the
/// sensitive features. Every hour of the version is aggregated on the same layout, so hours merge.
/// </summary>
public sealed class VersionLayout
{
    /// <summary>Probability edges of the prediction-score histogram: deciles of [0, 1].</summary>
    private static readonly double[] ScoreEdges = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

    public VersionLayout(string version, ModelManifest? manifest, DriftProfile? profile)
    {
        Version = version;
        Manifest = manifest;
        Profile = profile;
        var numeric = new List<string>();
        var categorical = new List<string>();
        if (manifest?.Features is { Count: > 0 } features)
        {
            foreach (var feature in features)
            {
                (FeatureTypes.IsNumeric(feature.Type) ? numeric : categorical).Add(feature.Name);
            }

            Rules = features.Select(f => FeatureQualityRule.FromManifest(f, profile)).ToList();
        }
        else if (profile is not null)
        {
            numeric.AddRange(profile.Numeric.Keys);
            categorical.AddRange(profile.Categorical.Keys.Where(k => k != manifest?.LabelColumn));
        }

        NumericFeatures = numeric;
        CategoricalFeatures = categorical;
        Task = manifest?.Task;
        PositiveLabel = (manifest?.PositiveLabel is { } positive ? LabelText(positive) : null) ?? "true";
        SensitiveFeatures = manifest?.SensitiveFeatures is { Count: > 0 } sensitive && sensitive.Count <= FairnessCounts.MaxSensitiveFeatures ? sensitive : [];
        if (manifest?.SensitiveFeatures.Count > FairnessCounts.MaxSensitiveFeatures)
        {
            FairnessNote = $"The manifest names {manifest.SensitiveFeatures.Count} sensitive features; fairness is reported for at most {FairnessCounts.MaxSensitiveFeatures} (every intersection is reported).";
        }

        if (Task == ModelTasks.MulticlassClassification)
        {
            // One class against the rest needs the classes up front: the reference labels give them.
            Classes = manifest?.LabelColumn is { } column && profile?.Categorical.TryGetValue(column, out var labels) == true
                ? labels.Data.Counts.Keys.ToList()
                : null;
            if (Classes is null && SensitiveFeatures.Count > 0)
            {
                FairnessNote = "A multiclass model's fairness needs its classes: give reference.csv a label column (manifest labelColumn).";
            }
        }
    }

    public string Version { get; }

    public ModelManifest? Manifest { get; }

    public DriftProfile? Profile { get; }

    public string? Task { get; }

    public string PositiveLabel { get; }

    public IReadOnlyList<string> NumericFeatures { get; }

    public IReadOnlyList<string> CategoricalFeatures { get; }

    public IReadOnlyList<FeatureQualityRule> Rules { get; } = [];

    public IReadOnlyList<string> SensitiveFeatures { get; }

    public IReadOnlyList<string>? Classes { get; }

    public string? FairnessNote { get; }

    public bool IsBinary => Task == ModelTasks.BinaryClassification;

    /// <summary>The manifest's <c>monitoring.decisionThreshold</c>: a binary row is positive when its probability is at least this.</summary>
    public double? DecisionThreshold => Manifest?.Monitoring?.DecisionThreshold;

    public bool HasFairness => SensitiveFeatures.Count > 0 && (IsBinary || Classes is { Count: > 0 });

    public VersionAggregate CreateAggregate()
    {
        var aggregate = new VersionAggregate
        {
            Quality = new DataQualityAggregate(),
            PredictionScore = NewNumeric(ScoreEdges, null),
            PredictionLabel = new CategoryCounts(),
        };
        foreach (string name in NumericFeatures)
        {
            aggregate.Numeric[name] = Profile?.Numeric.TryGetValue(name, out var reference) == true
                ? reference.CreateAggregate()
                : NewNumeric(EdgesFromManifest(name), Profile?.Options);
        }

        foreach (string name in CategoricalFeatures.Concat(SensitiveFeatures).Distinct(StringComparer.Ordinal))
        {
            aggregate.Categorical[name] = Profile?.Categorical.TryGetValue(name, out var reference) == true
                ? reference.CreateAggregate()
                : new CategoryCounts();
        }

        switch (Task)
        {
            case ModelTasks.BinaryClassification:
                aggregate.Binary = new BinaryClassificationAggregate();
                break;
            case ModelTasks.MulticlassClassification:
                aggregate.Multiclass = new MulticlassClassificationAggregate();
                break;
            case ModelTasks.Regression:
                aggregate.Regression = new RegressionAggregate();
                break;
        }

        if (HasFairness)
        {
            aggregate.Fairness = new FairnessCounts(SensitiveFeatures, IsBinary ? [PositiveLabel] : Classes!);
        }

        return aggregate;
    }

    /// <summary>The value of a feature in a record: a model input, else a passthrough context field.</summary>
    public static JToken? FeatureValue(PredictionRecord record, string name) =>
        record.Features.TryGetValue(name, out var value) ? value : record.Context.TryGetValue(name, out var context) ? context : null;

    /// <summary>A label or category as text: booleans lower-case (as reference.csv profiles them), numbers invariant.</summary>
    public static string? LabelText(JToken? token) => token switch
    {
        null => null,
        { Type: JTokenType.Null or JTokenType.Undefined } => null,
        { Type: JTokenType.Boolean } => (bool)token ? "true" : "false",
        { Type: JTokenType.Float } => ((double)token).ToString("R", CultureInfo.InvariantCulture),
        { Type: JTokenType.Integer or JTokenType.String } => Convert.ToString(((JValue)token).Value, CultureInfo.InvariantCulture),
        _ => token.ToString(Newtonsoft.Json.Formatting.None),
    };

    public static double? Number(JToken? token) => token switch
    {
        { Type: JTokenType.Float or JTokenType.Integer } => (double)token,
        { Type: JTokenType.String } when double.TryParse((string?)token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) => value,
        _ => null,
    };

    /// <summary>A classifier's probability of the positive class: its probability, or its entry in the probabilities.</summary>
    public double? PositiveScore(PredictionRecord record)
    {
        if (record.Probability is { } probability)
        {
            return probability;
        }

        return record.Outputs?["probabilities"] switch
        {
            JObject byClass => Number(byClass[PositiveLabel]),
            JArray { Count: 2 } pair => Number(pair[1]),
            _ => null,
        };
    }

    /// <summary>A multiclass model's probability of a class, when it logged probabilities by class.</summary>
    public static double? ProbabilityOf(PredictionRecord record, string label) =>
        record.Outputs?["probabilities"] is JObject byClass ? Number(byClass[label]) : null;

    private static NumericFeatureAggregate NewNumeric(IEnumerable<double> edges, ReferenceProfileOptions? options)
    {
        options ??= new ReferenceProfileOptions();
        return new NumericFeatureAggregate(
            new NumericHistogram(edges),
            new DistinctValueCounts(options.MaxDistinctValues),
            new QuantileSketch(options.SketchRelativeAccuracy, 0, options.SketchMaxBucketsPerSign));
    }

    /// <summary>Without a reference, ten equal bins over the manifest's range (when it gives one) keep PSI defined.</summary>
    private double[] EdgesFromManifest(string name)
    {
        var spec = Manifest?.Features.Find(f => f.Name == name);
        return spec is { Min: { } min, Max: { } max } && max > min
            ? Enumerable.Range(1, 9).Select(i => min + ((max - min) * i / 10)).ToArray()
            : [];
    }
}
