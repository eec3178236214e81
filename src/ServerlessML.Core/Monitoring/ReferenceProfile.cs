using System.Runtime.Serialization;
using Newtonsoft.Json;

namespace ServerlessML.Monitoring;

/// <summary>Settings with which a reference profile, and every aggregate made from it, is built.</summary>
public sealed class ReferenceProfileOptions
{
    /// <summary>Relative accuracy α of the quantile sketches (0.01: quantiles within 1% of their distance to the reference median).</summary>
    [JsonProperty("sketchRelativeAccuracy")]
    public double SketchRelativeAccuracy { get; set; } = QuantileSketch.DefaultRelativeAccuracy;

    [JsonProperty("sketchMaxBucketsPerSign")]
    public int SketchMaxBucketsPerSign { get; set; } = QuantileSketch.DefaultMaxBucketsPerSign;

    /// <summary>Distinct numeric values counted exactly before only "more than this" is kept.</summary>
    [JsonProperty("maxDistinctValues")]
    public int MaxDistinctValues { get; set; } = DistinctValueCounts.DefaultMaxDistinctValues;

    /// <summary>Categories counted by name besides the reference's own; the rest go to "__other__".</summary>
    [JsonProperty("maxCategories")]
    public int MaxCategories { get; set; } = CategoryCounts.DefaultMaxCategories;
}

/// <summary>
/// What drift is measured against: per numeric feature its decile edges, bin counts, mean, standard
/// deviation, distinct values and quantile sketch; per categorical feature its category counts. Built once
/// from reference data (the package's reference.csv), stored as JSON, and the source of every current-window
/// aggregate (<see cref="NumericReference.CreateAggregate"/>, <see cref="CategoricalReference.CreateAggregate"/>).
/// </summary>
public sealed class ReferenceProfile
{
    public const int CurrentSchemaVersion = 1;

    [JsonProperty("schemaVersion")]
    public int SchemaVersion { get; private set; } = CurrentSchemaVersion;

    [JsonProperty("options")]
    public ReferenceProfileOptions Options { get; private set; } = new();

    [JsonProperty("numeric")]
    public Dictionary<string, NumericReference> Numeric { get; private set; } = new(StringComparer.Ordinal);

    [JsonProperty("categorical")]
    public Dictionary<string, CategoricalReference> Categorical { get; private set; } = new(StringComparer.Ordinal);

    /// <summary>Builds a profile from columns of reference data (null for a missing value).</summary>
    public static ReferenceProfile Build(
        IReadOnlyDictionary<string, IReadOnlyList<double?>> numericColumns,
        IReadOnlyDictionary<string, IReadOnlyList<string?>> categoricalColumns,
        ReferenceProfileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(numericColumns);
        ArgumentNullException.ThrowIfNull(categoricalColumns);
        options ??= new ReferenceProfileOptions();
        var profile = new ReferenceProfile { Options = options };
        foreach (var (name, values) in numericColumns)
        {
            if (categoricalColumns.ContainsKey(name))
            {
                throw new ArgumentException($"Feature '{name}' is given both as numeric and as categorical; give it once.", nameof(categoricalColumns));
            }

            profile.Numeric[name] = NumericReference.FromValues(name, values, options);
        }

        foreach (var (name, values) in categoricalColumns)
        {
            profile.Categorical[name] = CategoricalReference.FromValues(values, options);
        }

        return profile;
    }

    [OnDeserialized]
    private void Validate(StreamingContext context)
    {
        if (SchemaVersion != CurrentSchemaVersion)
        {
            throw new InvalidDataException(
                $"The reference profile has schema version {SchemaVersion}; this build reads version {CurrentSchemaVersion}. Rebuild the profile from the reference data.");
        }

        Options ??= new ReferenceProfileOptions();
        Numeric = new Dictionary<string, NumericReference>(Numeric ?? [], StringComparer.Ordinal);
        Categorical = new Dictionary<string, CategoricalReference>(Categorical ?? [], StringComparer.Ordinal);
    }
}

/// <summary>The reference of one numeric feature.</summary>
public sealed class NumericReference
{
    [JsonConstructor]
    private NumericReference()
    {
        Data = null!;
    }

    /// <summary>The 10%, 20%, …, 90% quantiles of the reference (numpy's linear interpolation); the bin edges of PSI.</summary>
    [JsonProperty("deciles")]
    public IReadOnlyList<double> Deciles { get; private set; } = [];

    [JsonProperty("median")]
    public double Median { get; private set; }

    /// <summary>The reference data itself, aggregated exactly as a current window will be.</summary>
    [JsonProperty("data")]
    public NumericFeatureAggregate Data { get; private set; }

    [JsonIgnore]
    public long Count => Data.Count;

    [JsonIgnore]
    public double Mean => Data.Histogram.Moments.Mean;

    /// <summary>Population standard deviation (divisor n), as numpy's <c>np.std</c>.</summary>
    [JsonIgnore]
    public double StandardDeviation => Data.Histogram.Moments.PopulationStandardDeviation;

    public static NumericReference FromValues(string name, IReadOnlyList<double?> values, ReferenceProfileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        options ??= new ReferenceProfileOptions();
        var finite = values.Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value).ToArray();
        if (finite.Length == 0)
        {
            throw new ArgumentException($"Reference feature '{name}' has no finite value; a numeric reference needs at least one.", nameof(values));
        }

        Array.Sort(finite);
        var deciles = Enumerable.Range(1, 9).Select(i => LinearQuantile(finite, i / 10.0)).ToArray();
        var median = LinearQuantile(finite, 0.5);
        var data = new NumericFeatureAggregate(
            new NumericHistogram(deciles),
            new DistinctValueCounts(options.MaxDistinctValues),
            new QuantileSketch(options.SketchRelativeAccuracy, median, options.SketchMaxBucketsPerSign));
        foreach (var value in values)
        {
            data.Add(value);
        }

        return new NumericReference { Deciles = deciles, Median = median, Data = data };
    }

    /// <summary>An empty aggregate for a current window, on this reference's bins and sketch settings.</summary>
    public NumericFeatureAggregate CreateAggregate() => Data.CreateEmpty();

    /// <summary>
    /// A previous window used as the reference when a model has no reference profile. The current window must
    /// have been aggregated with the same bins and sketch settings (both created from one earlier aggregate's
    /// <see cref="NumericFeatureAggregate.CreateEmpty"/>); its bin edges then stand for the deciles.
    /// </summary>
    public static NumericReference FromAggregate(NumericFeatureAggregate previousWindow)
    {
        ArgumentNullException.ThrowIfNull(previousWindow);
        if (previousWindow.Count == 0)
        {
            throw new ArgumentException("The previous window has no finite value to serve as a reference.", nameof(previousWindow));
        }

        var data = previousWindow.CreateEmpty();
        data.Merge(previousWindow);
        return new NumericReference { Deciles = previousWindow.Histogram.Edges.ToArray(), Median = previousWindow.Sketch.Offset, Data = data };
    }

    /// <summary>The p-quantile of sorted values with linear interpolation between order statistics (numpy's default).</summary>
    public static double LinearQuantile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            throw new ArgumentException("No values to take a quantile of.", nameof(sorted));
        }

        var position = p * (sorted.Count - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Count - 1);
        var fraction = position - lower;
        return sorted[lower] + fraction * (sorted[upper] - sorted[lower]);
    }

    [OnDeserialized]
    private void Validate(StreamingContext context)
    {
        if (Data is null)
        {
            throw new InvalidDataException("A stored numeric reference lacks its data.");
        }
    }
}

/// <summary>The reference of one categorical feature.</summary>
public sealed class CategoricalReference
{
    [JsonConstructor]
    private CategoricalReference()
    {
        Data = null!;
    }

    [JsonProperty("data")]
    public CategoryCounts Data { get; private set; }

    [JsonIgnore]
    public long Count => Data.Count;

    public static CategoricalReference FromValues(IReadOnlyList<string?> values, ReferenceProfileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        options ??= new ReferenceProfileOptions();
        // Every reference category is pinned, so that a window's counts name each of them whatever else arrives.
        var categories = values.Where(v => v is not null).Select(v => v!).Distinct(StringComparer.Ordinal).ToList();
        var data = new CategoryCounts(options.MaxCategories, categories);
        foreach (var value in values)
        {
            data.Add(value);
        }

        return new CategoricalReference { Data = data };
    }

    /// <summary>An empty counter for a current window that names every reference category.</summary>
    public CategoryCounts CreateAggregate() => Data.CreateEmpty();

    /// <summary>A previous window used as the reference when a model has no reference profile.</summary>
    public static CategoricalReference FromAggregate(CategoryCounts previousWindow)
    {
        ArgumentNullException.ThrowIfNull(previousWindow);
        var data = previousWindow.CreateEmpty();
        data.Merge(previousWindow);
        return new CategoricalReference { Data = data };
    }

    [OnDeserialized]
    private void Validate(StreamingContext context)
    {
        if (Data is null)
        {
            throw new InvalidDataException("A stored categorical reference lacks its data.");
        }
    }
}
