using ServerlessML.Deployment;
using ServerlessML.Inference;
using ServerlessML.Registry;

namespace ServerlessML.Tests.Deployment;

public sealed class ReferenceProfilerTests : IDisposable
{
    private static readonly ModelSignature NoInputs = new([], []);
    private readonly string _directory = Directory.CreateTempSubdirectory("profile-test").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Csv(string text)
    {
        string path = Path.Combine(_directory, $"{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        return path;
    }

    private static ModelManifest Manifest(string json) => ManifestValidation.Parse(json);

    [Fact]
    public void Numeric_column_has_moments_deciles_and_counts_on_the_decile_bins()
    {
        // 1..100: deciles by linear interpolation are 10.9, 20.8, ..., 90.1; ten values in every bin.
        string path = Csv("x\n" + string.Join("\n", Enumerable.Range(1, 100)) + "\n");

        var profile = ReferenceProfiler.Profile("m", "1", path, Manifest("""{"features": [{"name": "x"}]}"""), NoInputs, 1000);

        var x = profile.Features["x"];
        Assert.Equal((ColumnKinds.Numeric, 100L, 0L, 50.5, 1.0, 100.0), (x.Kind, x.Count, x.Missing, x.Mean!.Value, x.Min!.Value, x.Max!.Value));
        Assert.Equal(29.011491975882016, x.Std!.Value, 12);
        Assert.Equal([10.9, 20.8, 30.7, 40.6, 50.5, 60.4, 70.3, 80.2, 90.1], x.Deciles!.Select(d => Math.Round(d, 9)));
        Assert.Equal(Enumerable.Repeat(10L, 10), x.Bins!.Counts);
        Assert.Equal(100, profile.Rows);
    }

    [Fact]
    public void Tied_deciles_merge_into_fewer_bins_that_still_count_every_value()
    {
        // Mostly zeros, as Adult's capital_gain: the first eight deciles are all 0.
        string path = Csv("gain\n" + string.Join("\n", Enumerable.Repeat("0", 85).Concat(Enumerable.Range(1, 15).Select(i => $"{i * 1000}"))) + "\n");

        var gain = ReferenceProfiler.Profile("m", "1", path, Manifest("""{"features": [{"name": "gain"}]}"""), NoInputs, 1000).Features["gain"];

        Assert.Equal(0, gain.Bins!.Edges[0]);
        Assert.Equal(gain.Bins.Edges.Distinct().Count(), gain.Bins.Edges.Length);
        Assert.Equal(85, gain.Bins.Counts[0]);
        Assert.Equal(100, gain.Bins.Counts.Sum());
    }

    [Fact]
    public void Categorical_feature_label_and_context_columns_count_their_values()
    {
        string path = Csv(""""
            color,size,sex,label,comment
            red,1,F,yes,"a, b"
            blue,2,M,no,c
            red,,F,yes,"say ""hi"""
            ,4,M,no,d
            """");
        var manifest = Manifest("""{"task": "binary-classification", "labelColumn": "label", "sensitiveFeatures": ["sex"], "features": [{"name": "color", "type": "string"}, {"name": "size", "type": "int"}]}""");

        var profile = ReferenceProfiler.Profile("m", "1", path, manifest, NoInputs, 1000);

        var color = profile.Features["color"];
        Assert.Equal((ColumnKinds.Categorical, 3L, 1L), (color.Kind, color.Count, color.Missing));
        Assert.Equal(new Dictionary<string, long> { ["red"] = 2, ["blue"] = 1 }, color.Categories);
        Assert.Equal(["red", "blue"], color.Categories!.Keys); // most frequent first
        Assert.Equal((3L, 1L, 7.0 / 3), (profile.Features["size"].Count, profile.Features["size"].Missing, profile.Features["size"].Mean!.Value));
        Assert.Equal(new Dictionary<string, long> { ["yes"] = 2, ["no"] = 2 }, profile.Label!.Categories);
        Assert.Equal(new Dictionary<string, long> { ["F"] = 2, ["M"] = 2 }, profile.Context["sex"].Categories);
        Assert.Equal(["comment"], profile.IgnoredColumns);
    }

    [Fact]
    public void Without_manifest_features_every_column_is_profiled_with_an_inferred_kind()
    {
        string path = Csv("a,b\n1.5,x\n2.5,y\n");

        var profile = ReferenceProfiler.Profile("m", "1", path, null, NoInputs, 1000);

        Assert.Equal((ColumnKinds.Numeric, ColumnKinds.Categorical), (profile.Features["a"].Kind, profile.Features["b"].Kind));
    }

    [Theory]
    [InlineData("x\n1\nold\n", "line 3, column 'x': 'old' is not a number, but the feature is float")]
    [InlineData("y\n1\n", "has no column for feature(s) 'x': its columns are 'y'")]
    [InlineData("x\n", "has a header but no rows")]
    [InlineData("", "is empty")]
    [InlineData("x,x\n1,2\n", "has the column 'x' twice")]
    [InlineData("x\n1\n2,3\n", "line 3 has 2 fields, but the header has 1")]
    [InlineData("x\n\"1\n", "a quoted field is not closed")]
    [InlineData("x\n1\n2\n3\n", "more than the limit of 2 rows")]
    public void Bad_reference_data_is_refused_with_where_and_what(string csv, string expected)
    {
        string path = Csv(csv);

        var refused = Assert.Throws<DeploymentRefusedException>(() =>
            ReferenceProfiler.Profile("m", "1", path, Manifest("""{"features": [{"name": "x"}]}"""), NoInputs, 2));

        Assert.Equal(DeploymentSteps.ReferenceProfile, refused.Step);
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_markers_in_a_numeric_column_count_as_missing()
    {
        string path = Csv("x\n1\nNA\nNaN\nnull\n3\n");

        var x = ReferenceProfiler.Profile("m", "1", path, Manifest("""{"features": [{"name": "x"}]}"""), NoInputs, 100).Features["x"];

        Assert.Equal((2L, 3L, 2.0), (x.Count, x.Missing, x.Mean!.Value));
    }
}
