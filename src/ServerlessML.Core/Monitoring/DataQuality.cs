using System.Globalization;
using System.Runtime.Serialization;
using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using Newtonsoft.Json.Linq;
using ServerlessML.Registry;

namespace ServerlessML.Monitoring;

[JsonConverter(typeof(StringEnumConverter))]
public enum ExpectedFeatureType
{
    [EnumMember(Value = "float")]
    Float,

    [EnumMember(Value = "int")]
    Integer,

    [EnumMember(Value = "string")]
    String,

    [EnumMember(Value = "bool")]
    Boolean,
}

/// <summary>
/// What a feature's values must look like: the manifest's type, optional <c>min</c>/<c>max</c>, and the known
/// categories (the manifest's <c>categories</c>, or else the reference profile's).
/// </summary>
public sealed class FeatureQualityRule
{
    public FeatureQualityRule(string feature, ExpectedFeatureType type, double? min = null, double? max = null, IEnumerable<string>? knownCategories = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(feature);
        if (min is { } low && max is { } high && low > high)
        {
            throw new ArgumentException($"Feature '{feature}' has min {low} above max {high}.");
        }

        Feature = feature;
        Type = type;
        Min = min;
        Max = max;
        KnownCategories = knownCategories is null ? null : new HashSet<string>(knownCategories, StringComparer.Ordinal);
    }

    public string Feature { get; }

    public ExpectedFeatureType Type { get; }

    public double? Min { get; }

    public double? Max { get; }

    /// <summary>Null when categories are not checked.</summary>
    public IReadOnlySet<string>? KnownCategories { get; }

    /// <summary>
    /// The rule of a manifest feature; without manifest categories, a string feature's known categories come
    /// from the reference profile when it has that feature.
    /// </summary>
    public static FeatureQualityRule FromManifest(FeatureSpec spec, ReferenceProfile? reference = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var type = spec.Type switch
        {
            "float" => ExpectedFeatureType.Float,
            "int" => ExpectedFeatureType.Integer,
            "string" => ExpectedFeatureType.String,
            "bool" => ExpectedFeatureType.Boolean,
            _ => throw new ArgumentException(
                $"Feature '{spec.Name}' has type '{spec.Type}'; the manifest allows float, int, string or bool."),
        };
        IEnumerable<string>? categories = spec.Categories;
        if (categories is null && type == ExpectedFeatureType.String && reference?.Categorical.TryGetValue(spec.Name, out var known) == true)
        {
            categories = known.Data.Counts.Where(pair => pair.Value > 0).Select(pair => pair.Key);
        }

        return new FeatureQualityRule(spec.Name, type, spec.Min, spec.Max, categories);
    }
}

/// <summary>
/// Data-quality counts of one feature over a window, mergeable by addition. Each rate has its own
/// denominator, given with it: nulls over all observations, type errors over non-null ones, out-of-range
/// over valid numbers checked against a min or max, unseen categories over valid strings checked against
/// known categories.
/// </summary>
public sealed class FeatureQualityCounts
{
    [JsonProperty("observations")]
    public long Observations { get; private set; }

    [JsonProperty("nulls")]
    public long Nulls { get; private set; }

    [JsonProperty("typeErrors")]
    public long TypeErrors { get; private set; }

    [JsonProperty("rangeChecked")]
    public long RangeChecked { get; private set; }

    [JsonProperty("outOfRange")]
    public long OutOfRange { get; private set; }

    [JsonProperty("categoryChecked")]
    public long CategoryChecked { get; private set; }

    [JsonProperty("unseenCategories")]
    public long UnseenCategories { get; private set; }

    [JsonIgnore]
    public Rate NullRate => new(Nulls, Observations);

    [JsonIgnore]
    public Rate TypeErrorRate => new(TypeErrors, Observations - Nulls);

    [JsonIgnore]
    public Rate OutOfRangeRate => new(OutOfRange, RangeChecked);

    [JsonIgnore]
    public Rate UnseenCategoryRate => new(UnseenCategories, CategoryChecked);

    /// <summary>
    /// Classifies one logged value against the rule. JSON null (or a NaN number) is null; a float or int feature
    /// takes JSON numbers (an int feature only whole ones), a string feature JSON strings, a bool feature JSON
    /// booleans; anything else is a type error and is not checked further.
    /// </summary>
    public void Observe(JToken? value, FeatureQualityRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Observations++;
        if (value is null || value.Type is JTokenType.Null or JTokenType.Undefined)
        {
            Nulls++;
            return;
        }

        switch (rule.Type)
        {
            case ExpectedFeatureType.Float or ExpectedFeatureType.Integer:
                if (value.Type is not (JTokenType.Integer or JTokenType.Float))
                {
                    TypeErrors++;
                    return;
                }

                var number = value.Value<double>();
                if (double.IsNaN(number))
                {
                    Nulls++;
                    return;
                }

                if (rule.Type == ExpectedFeatureType.Integer && (!double.IsFinite(number) || Math.Floor(number) != number))
                {
                    TypeErrors++;
                    return;
                }

                CheckRange(number, rule);
                return;

            case ExpectedFeatureType.String:
                if (value.Type != JTokenType.String)
                {
                    TypeErrors++;
                    return;
                }

                CheckCategory(value.Value<string>()!, rule);
                return;

            default:
                if (value.Type != JTokenType.Boolean)
                {
                    TypeErrors++;
                }

                return;
        }
    }

    public void Merge(FeatureQualityCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Observations += other.Observations;
        Nulls += other.Nulls;
        TypeErrors += other.TypeErrors;
        RangeChecked += other.RangeChecked;
        OutOfRange += other.OutOfRange;
        CategoryChecked += other.CategoryChecked;
        UnseenCategories += other.UnseenCategories;
    }

    private void CheckRange(double number, FeatureQualityRule rule)
    {
        if (rule.Min is null && rule.Max is null)
        {
            return;
        }

        RangeChecked++;
        if ((rule.Min is { } min && number < min) || (rule.Max is { } max && number > max))
        {
            OutOfRange++;
        }
    }

    private void CheckCategory(string category, FeatureQualityRule rule)
    {
        if (rule.KnownCategories is not { } known)
        {
            return;
        }

        CategoryChecked++;
        if (!known.Contains(category))
        {
            UnseenCategories++;
        }
    }
}

/// <summary>A share with its numerator and denominator; <see cref="Value"/> is null when nothing was counted.</summary>
public readonly record struct Rate(
    [property: JsonProperty("count")] long Count,
    [property: JsonProperty("of")] long Of)
{
    [JsonProperty("value")]
    public double? Value => Of > 0 ? (double)Count / Of : null;

    public override string ToString() =>
        Value is { } value ? string.Create(CultureInfo.InvariantCulture, $"{Count}/{Of} = {value:0.####}") : $"{Count}/{Of}";
}

/// <summary>Data-quality counts of every feature of a model over a window, keyed by feature name.</summary>
public sealed class DataQualityAggregate
{
    [JsonProperty("features")]
    private SortedDictionary<string, FeatureQualityCounts> _features = new(StringComparer.Ordinal);

    [JsonIgnore]
    public IReadOnlyDictionary<string, FeatureQualityCounts> Features => _features;

    /// <summary>Checks every rule's feature in one logged record (absent fields count as null).</summary>
    public void Observe(JObject features, IEnumerable<FeatureQualityRule> rules)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(rules);
        foreach (var rule in rules)
        {
            CountsOf(rule.Feature).Observe(features[rule.Feature], rule);
        }
    }

    public void Merge(DataQualityAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (feature, counts) in other._features)
        {
            CountsOf(feature).Merge(counts);
        }
    }

    private FeatureQualityCounts CountsOf(string feature)
    {
        if (!_features.TryGetValue(feature, out var counts))
        {
            counts = new FeatureQualityCounts();
            _features[feature] = counts;
        }

        return counts;
    }

    [OnDeserialized]
    private void Restore(StreamingContext context) =>
        _features = new SortedDictionary<string, FeatureQualityCounts>(_features ?? new SortedDictionary<string, FeatureQualityCounts>(), StringComparer.Ordinal);
}
