using Newtonsoft.Json;

namespace ServerlessML.Fairness;

/// <summary>
/// One group of a grouping: a value for each sensitive feature of the grouping, e.g. <c>sex=Female</c> or, for an
/// intersection, <c>sex=Female, race=Black</c>.
/// </summary>
[JsonObject(MemberSerialization.OptIn)]
public sealed class FairnessGroup : IEquatable<FairnessGroup>
{
    public FairnessGroup(IReadOnlyList<string> features, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(values);
        if (features.Count != values.Count)
        {
            throw new ArgumentException($"A group needs one value per feature: {features.Count} features, {values.Count} values.", nameof(values));
        }

        Features = features;
        Values = values;
    }

    public IReadOnlyList<string> Features { get; }

    [JsonProperty("values")]
    public IReadOnlyList<string> Values { get; }

    /// <summary>The whole population, the group of no feature.</summary>
    public static FairnessGroup Overall { get; } = new([], []);

    /// <summary>Readable name, <c>feature=value</c> joined by commas; "overall" for the whole population.</summary>
    [JsonProperty("label")]
    public string Label => Features.Count == 0 ? "overall" : string.Join(", ", Features.Select((f, i) => $"{f}={Values[i]}"));

    public override string ToString() => Label;

    public bool Equals(FairnessGroup? other) =>
        other is not null && Features.SequenceEqual(other.Features, StringComparer.Ordinal) &&
        Values.SequenceEqual(other.Values, StringComparer.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as FairnessGroup);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var value in Values)
        {
            hash.Add(value, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }
}

/// <summary>Dictionary key for a tuple of feature values, compared ordinally.</summary>
internal readonly struct GroupKey : IEquatable<GroupKey>
{
    private readonly int _hash;

    public GroupKey(string[] values)
    {
        Values = values;
        var hash = new HashCode();
        foreach (var value in values)
        {
            hash.Add(value, StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    public string[] Values { get; }

    public bool Equals(GroupKey other) => _hash == other._hash && Values.AsSpan().SequenceEqual(other.Values);

    public override bool Equals(object? obj) => obj is GroupKey other && Equals(other);

    public override int GetHashCode() => _hash;

    /// <summary>Orders keys value by value, ordinally, so every listing is deterministic.</summary>
    public static int CompareOrdinal(GroupKey a, GroupKey b)
    {
        for (var i = 0; i < Math.Min(a.Values.Length, b.Values.Length); i++)
        {
            var c = string.CompareOrdinal(a.Values[i], b.Values[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Values.Length.CompareTo(b.Values.Length);
    }
}
