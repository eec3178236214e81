using Newtonsoft.Json;

namespace ServerlessML.Fairness;

/// <summary>
/// Confusion counts of one group for one outcome (one class against the rest). Rows with a feedback label land in
/// the four confusion cells; rows still waiting for a label are counted only as selected or not selected, so the
/// selection rate covers every row while the label-based rates cover the labelled ones. Counts add, so hourly
/// aggregates merge into any window.
/// </summary>
[JsonObject(MemberSerialization.OptIn)]
public sealed class GroupConfusionCounts
{
    [JsonProperty("truePositives")]
    public long TruePositives { get; set; }

    [JsonProperty("falsePositives")]
    public long FalsePositives { get; set; }

    [JsonProperty("trueNegatives")]
    public long TrueNegatives { get; set; }

    [JsonProperty("falseNegatives")]
    public long FalseNegatives { get; set; }

    /// <summary>Predicted positive, no label yet.</summary>
    [JsonProperty("selectedUnlabeled")]
    public long SelectedUnlabeled { get; set; }

    /// <summary>Predicted negative, no label yet.</summary>
    [JsonProperty("notSelectedUnlabeled")]
    public long NotSelectedUnlabeled { get; set; }

    /// <summary>Every row of the group, labelled or not.</summary>
    public long N => Labeled + SelectedUnlabeled + NotSelectedUnlabeled;

    public long Labeled => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;

    /// <summary>Rows predicted positive, labelled or not: the numerator of the selection rate.</summary>
    public long Selected => TruePositives + FalsePositives + SelectedUnlabeled;

    /// <summary>Labelled rows whose label is the positive outcome: the denominator of the true positive rate.</summary>
    public long Positives => TruePositives + FalseNegatives;

    /// <summary>Labelled rows whose label is not the positive outcome: the denominator of the false positive rate.</summary>
    public long Negatives => FalsePositives + TrueNegatives;

    public long Correct => TruePositives + TrueNegatives;

    public void Record(bool predictedPositive, bool? actualPositive)
    {
        switch (actualPositive)
        {
            case null when predictedPositive: SelectedUnlabeled++; break;
            case null: NotSelectedUnlabeled++; break;
            case true when predictedPositive: TruePositives++; break;
            case true: FalseNegatives++; break;
            case false when predictedPositive: FalsePositives++; break;
            case false: TrueNegatives++; break;
        }
    }

    public void Add(GroupConfusionCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        TruePositives += other.TruePositives;
        FalsePositives += other.FalsePositives;
        TrueNegatives += other.TrueNegatives;
        FalseNegatives += other.FalseNegatives;
        SelectedUnlabeled += other.SelectedUnlabeled;
        NotSelectedUnlabeled += other.NotSelectedUnlabeled;
    }

    public GroupConfusionCounts Clone() => new()
    {
        TruePositives = TruePositives,
        FalsePositives = FalsePositives,
        TrueNegatives = TrueNegatives,
        FalseNegatives = FalseNegatives,
        SelectedUnlabeled = SelectedUnlabeled,
        NotSelectedUnlabeled = NotSelectedUnlabeled,
    };

    public bool SameCountsAs(GroupConfusionCounts other) =>
        TruePositives == other.TruePositives && FalsePositives == other.FalsePositives &&
        TrueNegatives == other.TrueNegatives && FalseNegatives == other.FalseNegatives &&
        SelectedUnlabeled == other.SelectedUnlabeled && NotSelectedUnlabeled == other.NotSelectedUnlabeled;

    internal void Validate(string where)
    {
        if (TruePositives < 0 || FalsePositives < 0 || TrueNegatives < 0 || FalseNegatives < 0 ||
            SelectedUnlabeled < 0 || NotSelectedUnlabeled < 0)
        {
            throw new InvalidDataException($"Fairness counts for {where} hold a negative count; the aggregate is corrupt and must be rebuilt from the prediction log.");
        }
    }
}
