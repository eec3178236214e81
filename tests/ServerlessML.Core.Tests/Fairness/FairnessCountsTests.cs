using Newtonsoft.Json;
using ServerlessML.Fairness;

namespace ServerlessML.Tests.Fairness;

public sealed class FairnessCountsTests
{
    [Fact]
    public void Hourly_aggregates_merged_after_a_json_round_trip_equal_recording_everything_at_once()
    {
        var rows = RandomRows(seed: 11, count: 3000);
        var allAtOnce = new FairnessCounts(["sex", "race"], ["1"]);
        var hours = Enumerable.Range(0, 3).Select(_ => new FairnessCounts(["sex", "race"], ["1"])).ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            var (sex, race, predicted, actual) = rows[i];
            allAtOnce.Record([sex, race], predicted, actual);
            hours[i * 3 / rows.Length].Record([sex, race], predicted, actual);
        }

        var merged = FairnessCounts.Merge(hours.Select(h => FairnessCounts.Parse(h.ToJson())));

        Assert.Equal(allAtOnce.ToJson(), merged.ToJson());
        var options = new FairnessOptions { BootstrapResamples = 50, Seed = 3 };
        Assert.Equal(
            JsonConvert.SerializeObject(new FairnessEvaluator(options).Evaluate(allAtOnce)),
            JsonConvert.SerializeObject(new FairnessEvaluator(options).Evaluate(merged)));
    }

    [Fact]
    public void Values_past_the_cap_go_to_the_other_bucket_and_missing_values_to_their_own()
    {
        var counts = new FairnessCounts(["g"], ["1"], maxValuesPerFeature: 2);
        counts.Record(["x"], true, null);
        counts.Record(["y"], true, null);
        counts.Record(["z"], false, null);
        counts.Record(["w"], false, null);
        counts.Record([null], true, null);
        counts.Record(["x"], false, null);

        var cells = counts.Cells.ToDictionary(c => c.Values![0], c => c.Counts!.N);
        Assert.Equal(new Dictionary<string, long> { ["x"] = 2, ["y"] = 1, [FairnessCounts.OtherValue] = 2, [FairnessCounts.MissingValue] = 1 }, cells);
    }

    [Fact]
    public void Merging_past_the_cap_folds_the_values_with_fewest_rows_into_the_other_bucket()
    {
        var first = new FairnessCounts(["g"], ["1"], maxValuesPerFeature: 2);
        FairnessData.Repeat(first, "x", 5, true, true);
        FairnessData.Repeat(first, "y", 1, false, false);
        var second = new FairnessCounts(["g"], ["1"], maxValuesPerFeature: 2);
        FairnessData.Repeat(second, "z", 3, true, false);

        first.MergeFrom(second);

        var cells = first.Cells.ToDictionary(c => c.Values![0], c => c.Counts!);
        Assert.Equal(["__other__", "x", "z"], cells.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, cells[FairnessCounts.OtherValue].TrueNegatives);
        Assert.Equal(3, cells["z"].FalsePositives);
    }

    [Fact]
    public void Merging_counts_of_other_features_is_refused_with_both_lists_named()
    {
        var sex = new FairnessCounts(["sex"], ["1"]);
        var race = new FairnessCounts(["race"], ["1"]);

        var error = Assert.Throws<InvalidOperationException>(() => sex.MergeFrom(race));
        Assert.Contains("[race]", error.Message);
        Assert.Contains("[sex]", error.Message);
    }

    [Fact]
    public void Corrupt_json_is_refused_with_what_is_wrong()
    {
        var valid = FairnessData.FairlearnExample().ToJson();

        var wrongVersion = Assert.Throws<InvalidDataException>(() => FairnessCounts.Parse(valid.Replace("\"schemaVersion\":1", "\"schemaVersion\":9")));
        Assert.Contains("schema version 9", wrongVersion.Message);

        var wrongArity = Assert.Throws<InvalidDataException>(() => FairnessCounts.Parse(valid.Replace("\"values\":[\"a\"]", "\"values\":[\"a\",\"b\"]")));
        Assert.Contains("one non-null value for each of the 1 sensitive features", wrongArity.Message);

        var negative = Assert.Throws<InvalidDataException>(() => FairnessCounts.Parse(valid.Replace("\"truePositives\":1", "\"truePositives\":-1")));
        Assert.Contains("negative count", negative.Message);
    }

    [Fact]
    public void Recording_a_row_with_the_wrong_number_of_sensitive_values_names_the_features()
    {
        var counts = new FairnessCounts(["sex", "race"], ["1"]);

        var error = Assert.Throws<ArgumentException>(() => counts.Record(["F"], true, null));
        Assert.Contains("[sex, race]", error.Message);
    }

    private static (string Sex, string Race, bool Predicted, bool? Actual)[] RandomRows(int seed, int count)
    {
        var random = new Random(seed);
        string[] sexes = ["F", "M"];
        string[] races = ["A", "B", "C", "D"];
        return Enumerable.Range(0, count).Select(_ =>
        {
            var sex = sexes[random.Next(sexes.Length)];
            var race = races[random.Next(races.Length)];
            var predicted = random.NextDouble() < (sex == "F" ? 0.35 : 0.5);
            bool? actual = random.NextDouble() < 0.3 ? null : random.NextDouble() < 0.45;
            return (sex, race, predicted, actual);
        }).ToArray();
    }
}
