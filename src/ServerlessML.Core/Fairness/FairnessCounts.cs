using Newtonsoft.Json;

namespace ServerlessML.Fairness;

/// <summary>
/// The mergeable fairness aggregate of one model version over one period (design section 7): confusion counts per
/// outcome for every observed combination of sensitive feature values. Only the finest intersection is stored;
/// each single feature and each smaller intersection is a sum over it, so all groupings come from one table and
/// a window is the <see cref="MergeFrom"/> of its hourly aggregates. Serializes with Newtonsoft.Json as is.
/// Not thread-safe: one writer per aggregate.
/// </summary>
/// <remarks>
/// Each outcome is one class reported against the rest. A binary model has one outcome (its positive label, or
/// any name when predictions come from a probability and threshold); a multiclass model has one per class, and
/// every row is recorded in each of them.
/// </remarks>
[JsonObject(MemberSerialization.OptIn)]
public sealed class FairnessCounts
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>Bucket for values past <see cref="MaxValuesPerFeature"/>.</summary>
    public const string OtherValue = "__other__";

    /// <summary>Bucket for rows that carried no value for a sensitive feature.</summary>
    public const string MissingValue = "__missing__";

    public const int DefaultMaxValuesPerFeature = 20;

    /// <summary>Every subset of the features is reported, so the report grows as 2^features.</summary>
    public const int MaxSensitiveFeatures = 5;

    private readonly Dictionary<string, Dictionary<GroupKey, GroupConfusionCounts>> _tables;

    // Distinct real values per feature (buckets excluded), to apply the cap as rows arrive.
    private readonly HashSet<string>[] _seenValues;

    public FairnessCounts(IEnumerable<string> sensitiveFeatures, IEnumerable<string> outcomes, int maxValuesPerFeature = DefaultMaxValuesPerFeature)
    {
        ArgumentNullException.ThrowIfNull(sensitiveFeatures);
        ArgumentNullException.ThrowIfNull(outcomes);
        SensitiveFeatures = CheckNames(sensitiveFeatures.ToArray(), "sensitive feature", nameof(sensitiveFeatures));
        if (SensitiveFeatures.Count > MaxSensitiveFeatures)
        {
            throw new ArgumentException(
                $"{SensitiveFeatures.Count} sensitive features given; at most {MaxSensitiveFeatures} are supported because every intersection of them is reported.",
                nameof(sensitiveFeatures));
        }

        Outcomes = CheckNames(outcomes.ToArray(), "outcome", nameof(outcomes));
        if (maxValuesPerFeature < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxValuesPerFeature), maxValuesPerFeature, "The cap on values per sensitive feature must be at least 1.");
        }

        MaxValuesPerFeature = maxValuesPerFeature;
        _tables = Outcomes.ToDictionary(o => o, _ => new Dictionary<GroupKey, GroupConfusionCounts>(), StringComparer.Ordinal);
        _seenValues = SensitiveFeatures.Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
    }

    [JsonConstructor]
    private FairnessCounts(int schemaVersion, string[]? sensitiveFeatures, string[]? outcomes, int maxValuesPerFeature, FairnessCell[]? cells)
        : this(sensitiveFeatures ?? throw new InvalidDataException("Fairness counts have no 'sensitiveFeatures'."),
               outcomes ?? throw new InvalidDataException("Fairness counts have no 'outcomes'."),
               maxValuesPerFeature)
    {
        if (schemaVersion != CurrentSchemaVersion)
        {
            throw new InvalidDataException($"Fairness counts have schema version {schemaVersion}; this build reads version {CurrentSchemaVersion}.");
        }

        foreach (var cell in cells ?? [])
        {
            if (cell.Outcome is null || !_tables.TryGetValue(cell.Outcome, out var table))
            {
                throw new InvalidDataException($"A fairness cell names outcome '{cell.Outcome}', which is not among the outcomes [{string.Join(", ", Outcomes)}].");
            }

            if (cell.Values is null || cell.Values.Length != SensitiveFeatures.Count || cell.Values.Any(v => v is null))
            {
                throw new InvalidDataException($"A fairness cell of outcome '{cell.Outcome}' must hold one non-null value for each of the {SensitiveFeatures.Count} sensitive features.");
            }

            var counts = cell.Counts ?? throw new InvalidDataException($"A fairness cell of outcome '{cell.Outcome}' has no counts.");
            counts.Validate($"outcome '{cell.Outcome}', values [{string.Join(", ", cell.Values)}]");
            var key = new GroupKey(cell.Values);
            if (!table.TryAdd(key, counts))
            {
                throw new InvalidDataException($"Fairness cell [{string.Join(", ", cell.Values)}] of outcome '{cell.Outcome}' appears twice.");
            }

            NoteValues(cell.Values);
        }
    }

    [JsonProperty("schemaVersion", Order = 0)]
    public int SchemaVersion => CurrentSchemaVersion;

    [JsonProperty("sensitiveFeatures", Order = 1)]
    public IReadOnlyList<string> SensitiveFeatures { get; }

    [JsonProperty("outcomes", Order = 2)]
    public IReadOnlyList<string> Outcomes { get; }

    [JsonProperty("maxValuesPerFeature", Order = 3)]
    public int MaxValuesPerFeature { get; }

    /// <summary>Every stored cell, ordered by outcome then values.</summary>
    [JsonProperty("cells", Order = 4)]
    public IReadOnlyList<FairnessCell> Cells =>
        Outcomes.SelectMany(o => _tables[o]
                .OrderBy(kv => kv.Key, Comparer<GroupKey>.Create(GroupKey.CompareOrdinal))
                .Select(kv => new FairnessCell { Outcome = o, Values = (string[])kv.Key.Values.Clone(), Counts = kv.Value.Clone() }))
            .ToList();

    /// <summary>Records one prediction whose outcome is already binary (e.g. probability at or over a threshold).</summary>
    /// <param name="sensitiveValues">One value per sensitive feature, in order; null when the row carried none.</param>
    /// <param name="predictedPositive">Whether the model selected the row.</param>
    /// <param name="actualPositive">The feedback label, or null while there is none.</param>
    public void Record(IReadOnlyList<string?> sensitiveValues, bool predictedPositive, bool? actualPositive)
    {
        if (Outcomes.Count != 1)
        {
            throw new InvalidOperationException(
                $"These counts hold {Outcomes.Count} outcomes (one per class); record the predicted and actual class instead of a yes/no outcome.");
        }

        var key = KeyFor(sensitiveValues);
        CellFor(_tables[Outcomes[0]], key).Record(predictedPositive, actualPositive);
    }

    /// <summary>
    /// Records one prediction by class, one class against the rest for every outcome. A class that is not among the
    /// outcomes is a negative for each of them, which is what one-against-the-rest means.
    /// </summary>
    /// <param name="sensitiveValues">One value per sensitive feature, in order; null when the row carried none.</param>
    /// <param name="predictedClass">The class the model predicted.</param>
    /// <param name="actualClass">The feedback label, or null while there is none.</param>
    public void Record(IReadOnlyList<string?> sensitiveValues, string predictedClass, string? actualClass)
    {
        ArgumentNullException.ThrowIfNull(predictedClass);
        var key = KeyFor(sensitiveValues);
        foreach (var outcome in Outcomes)
        {
            bool? actualPositive = actualClass is null ? null : string.Equals(actualClass, outcome, StringComparison.Ordinal);
            CellFor(_tables[outcome], key).Record(string.Equals(predictedClass, outcome, StringComparison.Ordinal), actualPositive);
        }
    }

    /// <summary>
    /// Adds another aggregate of the same features and outcomes (e.g. the next hour) into this one. When the union of
    /// a feature's values passes the cap, the values with the fewest rows are folded into <see cref="OtherValue"/>;
    /// while the cap is not reached, merging gives exactly the counts of recording every row into one aggregate.
    /// </summary>
    public void MergeFrom(FairnessCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!other.SensitiveFeatures.SequenceEqual(SensitiveFeatures, StringComparer.Ordinal))
        {
            throw new InvalidOperationException(
                $"Cannot merge fairness counts over sensitive features [{string.Join(", ", other.SensitiveFeatures)}] into counts over [{string.Join(", ", SensitiveFeatures)}]; aggregates of different configurations belong to different reports.");
        }

        if (!other.Outcomes.Order(StringComparer.Ordinal).SequenceEqual(Outcomes.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            throw new InvalidOperationException(
                $"Cannot merge fairness counts of outcomes [{string.Join(", ", other.Outcomes)}] into counts of outcomes [{string.Join(", ", Outcomes)}].");
        }

        if (other.MaxValuesPerFeature != MaxValuesPerFeature)
        {
            throw new InvalidOperationException(
                $"Cannot merge fairness counts capped at {other.MaxValuesPerFeature} values per feature into counts capped at {MaxValuesPerFeature}.");
        }

        foreach (var (outcome, otherTable) in other._tables)
        {
            var table = _tables[outcome];
            foreach (var (key, counts) in otherTable)
            {
                CellFor(table, key).Add(counts);
            }
        }

        for (var f = 0; f < _seenValues.Length; f++)
        {
            _seenValues[f].UnionWith(other._seenValues[f]);
        }

        FoldValuesOverCap();
    }

    public static FairnessCounts Merge(IEnumerable<FairnessCounts> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        FairnessCounts? merged = null;
        foreach (var part in parts)
        {
            merged ??= new FairnessCounts(part.SensitiveFeatures, part.Outcomes, part.MaxValuesPerFeature);
            merged.MergeFrom(part);
        }

        return merged ?? throw new ArgumentException("Nothing to merge: no fairness counts were given.", nameof(parts));
    }

    public string ToJson() => JsonConvert.SerializeObject(this);

    public static FairnessCounts Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonConvert.DeserializeObject<FairnessCounts>(json)
                ?? throw new InvalidDataException("Fairness counts JSON is empty.");
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"Fairness counts JSON is not valid: {e.Message}", e);
        }
    }

    internal IReadOnlyDictionary<GroupKey, GroupConfusionCounts> TableFor(string outcome) => _tables[outcome];

    private static string[] CheckNames(string[] names, string what, string parameter)
    {
        if (names.Length == 0)
        {
            throw new ArgumentException($"At least one {what} is required.", parameter);
        }

        if (names.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"A {what} name is empty.", parameter);
        }

        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"The {what} '{duplicate.Key}' is listed twice.", parameter);
        }

        return names;
    }

    private static GroupConfusionCounts CellFor(Dictionary<GroupKey, GroupConfusionCounts> table, GroupKey key)
    {
        if (!table.TryGetValue(key, out var counts))
        {
            counts = new GroupConfusionCounts();
            table.Add(key, counts);
        }

        return counts;
    }

    private GroupKey KeyFor(IReadOnlyList<string?> sensitiveValues)
    {
        ArgumentNullException.ThrowIfNull(sensitiveValues);
        if (sensitiveValues.Count != SensitiveFeatures.Count)
        {
            throw new ArgumentException(
                $"Expected one value for each sensitive feature [{string.Join(", ", SensitiveFeatures)}], got {sensitiveValues.Count}.",
                nameof(sensitiveValues));
        }

        var values = new string[sensitiveValues.Count];
        for (var f = 0; f < values.Length; f++)
        {
            var value = sensitiveValues[f];
            if (value is null)
            {
                values[f] = MissingValue;
            }
            else if (value is OtherValue or MissingValue || _seenValues[f].Contains(value))
            {
                values[f] = value;
            }
            else if (_seenValues[f].Count < MaxValuesPerFeature)
            {
                _seenValues[f].Add(value);
                values[f] = value;
            }
            else
            {
                values[f] = OtherValue;
            }
        }

        return new GroupKey(values);
    }

    private void NoteValues(string[] values)
    {
        for (var f = 0; f < values.Length; f++)
        {
            if (values[f] is not (OtherValue or MissingValue))
            {
                _seenValues[f].Add(values[f]);
            }
        }
    }

    private void FoldValuesOverCap()
    {
        for (var f = 0; f < _seenValues.Length; f++)
        {
            if (_seenValues[f].Count <= MaxValuesPerFeature)
            {
                continue;
            }

            // Keep the values with the most rows (every outcome table holds the same rows, so the first one tells).
            var rows = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (key, counts) in _tables[Outcomes[0]])
            {
                rows[key.Values[f]] = rows.GetValueOrDefault(key.Values[f]) + counts.N;
            }

            var kept = _seenValues[f]
                .OrderByDescending(v => rows.GetValueOrDefault(v))
                .ThenBy(v => v, StringComparer.Ordinal)
                .Take(MaxValuesPerFeature)
                .ToHashSet(StringComparer.Ordinal);
            _seenValues[f].IntersectWith(kept);

            foreach (var outcome in Outcomes)
            {
                var table = _tables[outcome];
                var folded = table.Where(kv => !kept.Contains(kv.Key.Values[f]) && kv.Key.Values[f] is not (OtherValue or MissingValue)).ToList();
                foreach (var (key, counts) in folded)
                {
                    table.Remove(key);
                    var values = (string[])key.Values.Clone();
                    values[f] = OtherValue;
                    CellFor(table, new GroupKey(values)).Add(counts);
                }
            }
        }
    }
}

/// <summary>One stored cell: the counts of one outcome for one combination of sensitive feature values.</summary>
[JsonObject(MemberSerialization.OptIn)]
public sealed class FairnessCell
{
    [JsonProperty("outcome")]
    public string? Outcome { get; set; }

    [JsonProperty("values")]
    public string[]? Values { get; set; }

    [JsonProperty("counts")]
    public GroupConfusionCounts? Counts { get; set; }
}
