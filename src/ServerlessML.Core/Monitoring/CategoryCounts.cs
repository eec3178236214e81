using System.Runtime.Serialization;
using Newtonsoft.Json;

namespace ServerlessML.Monitoring;

/// <summary>
/// Counts per category of a categorical feature, with a cap on how many categories are named so that
/// memory stays bounded whatever the traffic sends. Categories given as <c>pinnedCategories</c> (those of
/// the reference profile) are always counted by name and do not count against the cap. A new category
/// that arrives once the cap is reached is counted in <see cref="OtherCategory"/>; when a merge brings
/// more named categories than the cap, the least frequent ones (ties: the later in ordinal order) are
/// folded into it. Totals are always exact; counts by name are exact as long as nothing was folded
/// (<see cref="OtherCount"/> = 0), and otherwise lower bounds for the categories not pinned.
/// </summary>
public sealed class CategoryCounts
{
    public const string OtherCategory = "__other__";
    public const int DefaultMaxCategories = 1000;

    [JsonProperty("counts")]
    private SortedDictionary<string, long> _counts = new(StringComparer.Ordinal);

    [JsonProperty("pinned")]
    private SortedSet<string> _pinned = new(StringComparer.Ordinal);

    // Named categories that are not pinned, kept so that an add past the cap costs O(log k), not O(k).
    private int _namedUnpinned;

    [JsonConstructor]
    private CategoryCounts()
    {
    }

    public CategoryCounts(int maxCategories = DefaultMaxCategories, IEnumerable<string>? pinnedCategories = null)
    {
        if (maxCategories < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxCategories), maxCategories, "The cap on categories must be at least 1.");
        }

        MaxCategories = maxCategories;
        foreach (var category in pinnedCategories ?? [])
        {
            ValidateName(category);
            _pinned.Add(category);
        }
    }

    /// <summary>Most categories counted by name besides the pinned ones.</summary>
    [JsonProperty("maxCategories")]
    public int MaxCategories { get; private set; }

    /// <summary>Observations in categories past the cap.</summary>
    [JsonProperty("otherCount")]
    public long OtherCount { get; private set; }

    [JsonProperty("nullCount")]
    public long NullCount { get; private set; }

    /// <summary>Named categories with their counts (pinned ones may be 0), in ordinal order.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, long> Counts => _counts;

    [JsonIgnore]
    public IReadOnlySet<string> PinnedCategories => _pinned;

    /// <summary>Non-null observations, in named categories and in <see cref="OtherCategory"/>.</summary>
    [JsonIgnore]
    public long Count => _counts.Values.Sum() + OtherCount;

    [JsonIgnore]
    public long TotalObservations => Count + NullCount;

    /// <summary>
    /// Categories with at least one observation, with <see cref="OtherCategory"/> as one more when it holds any:
    /// the keys the drift tests compare.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, long>> ObservedCounts()
    {
        var observed = _counts.Where(pair => pair.Value > 0).ToList();
        if (OtherCount > 0)
        {
            observed.Add(new KeyValuePair<string, long>(OtherCategory, OtherCount));
        }

        return observed;
    }

    public long CountOf(string category) =>
        category == OtherCategory ? OtherCount : _counts.GetValueOrDefault(category);

    public void Add(string? category, long count = 1)
    {
        if (count < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Counts cannot be negative.");
        }

        if (category is null)
        {
            NullCount += count;
            return;
        }

        ValidateName(category);
        if (_counts.TryGetValue(category, out var existing))
        {
            _counts[category] = existing + count;
        }
        else if (_pinned.Contains(category))
        {
            _counts[category] = count;
        }
        else if (_namedUnpinned < MaxCategories)
        {
            _counts[category] = count;
            _namedUnpinned++;
        }
        else
        {
            OtherCount += count;
        }
    }

    public void Merge(CategoryCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.MaxCategories != MaxCategories)
        {
            throw new InvalidOperationException(
                $"Cannot merge category counts capped at {MaxCategories} and {other.MaxCategories}; build both from the same reference profile.");
        }

        _pinned.UnionWith(other._pinned);
        foreach (var (category, count) in other._counts)
        {
            _counts[category] = _counts.GetValueOrDefault(category) + count;
        }

        OtherCount += other.OtherCount;
        NullCount += other.NullCount;

        _namedUnpinned = NamedUnpinnedCount();
        var excess = _namedUnpinned - MaxCategories;
        if (excess <= 0)
        {
            return;
        }

        var folded = _counts
            .Where(pair => !_pinned.Contains(pair.Key))
            .OrderBy(pair => pair.Value)
            .ThenByDescending(pair => pair.Key, StringComparer.Ordinal)
            .Take(excess)
            .ToList();
        foreach (var (category, count) in folded)
        {
            _counts.Remove(category);
            OtherCount += count;
        }

        _namedUnpinned -= folded.Count;
    }

    /// <summary>An empty counter with the same cap and pinned categories.</summary>
    public CategoryCounts CreateEmpty() => new(MaxCategories, _pinned);

    private int NamedUnpinnedCount() => _counts.Keys.Count(category => !_pinned.Contains(category));

    private static void ValidateName(string category)
    {
        if (category == OtherCategory)
        {
            throw new ArgumentException(
                $"'{OtherCategory}' is reserved for categories past the cap; rename that category before counting it.", nameof(category));
        }
    }

    [OnDeserialized]
    private void Validate(StreamingContext context)
    {
        // Newtonsoft fills the collections it finds with their default comparer; restore ordinal order.
        _counts = new SortedDictionary<string, long>(_counts ?? new SortedDictionary<string, long>(), StringComparer.Ordinal);
        _pinned = new SortedSet<string>(_pinned ?? [], StringComparer.Ordinal);
        _namedUnpinned = NamedUnpinnedCount();
        if (MaxCategories < 1 || _counts.Values.Any(count => count < 0) || OtherCount < 0 || NullCount < 0)
        {
            throw new InvalidDataException("Stored category counts are inconsistent: a negative count or a cap below 1.");
        }
    }
}
