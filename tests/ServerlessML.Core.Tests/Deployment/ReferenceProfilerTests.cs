using ServerlessML.Deployment;
using ServerlessML.Inference;
using ServerlessML.Monitoring;
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

        var x = profile.Drift.Numeric["x"];
        Assert.Equal((100L, 0L, 50.5, 1.0, 100.0), (x.Count, x.Data.Histogram.NullCount, x.Mean, x.Data.Sketch.Min!.Value, x.Data.Sketch.Max!.Value));
        // Population standard deviation of 1..100 (numpy's np.std): sqrt((100² - 1) / 12).
        Assert.Equal(Math.Sqrt(9999.0 / 12), x.StandardDeviation, 12);
        Assert.Equal([10.9, 20.8, 30.7, 40.6, 50.5, 60.4, 70.3, 80.2, 90.1], x.Deciles.Select(d => Math.Round(d, 9)));
        Assert.Equal(Enumerable.Repeat(10L, 10), x.Data.Histogram.Counts);
        Assert.Equal(100, profile.Rows);
        Assert.Equal(["x"], profile.Features);
    }

    [Fact]
    public void Tied_deciles_merge_into_fewer_bins_that_still_count_every_value()
    {
        // Mostly zeros, as Adult's capital_gain: the first eight deciles are all 0, the ninth 5100 (5000 + 0.1 × 1000).
        string path = Csv("gain\n" + string.Join("\n", Enumerable.Repeat("0", 85).Concat(Enumerable.Range(1, 15).Select(i => $"{i * 1000}"))) + "\n");

        var gain = ReferenceProfiler.Profile("m", "1", path, Manifest("""{"features": [{"name": "gain"}]}"""), NoInputs, 1000).Drift.Numeric["gain"].Data.Histogram;

        Assert.Equal([0.0, 5100.0], gain.Edges.Select(e => Math.Round(e, 6)));
        // Left-closed bins: (-inf, 0) is empty, [0, 5100) holds the zeros and 1000..5000, [5100, inf) the rest.
        Assert.Equal([0L, 90L, 10L], gain.Counts);
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

        var color = profile.Drift.Categorical["color"].Data;
        Assert.Equal((3L, 1L), (color.Count, color.NullCount));
        Assert.Equal(new Dictionary<string, long> { ["blue"] = 1, ["red"] = 2 }, color.Counts);
        var size = profile.Drift.Numeric["size"];
        Assert.Equal((3L, 1L, 7.0 / 3), (size.Count, size.Data.Histogram.NullCount, size.Mean));
        Assert.Equal(new ReferenceLabel("label", ColumnKinds.Categorical), profile.Label);
        Assert.Equal(new Dictionary<string, long> { ["no"] = 2, ["yes"] = 2 }, profile.Drift.Categorical["label"].Data.Counts);
        Assert.Equal(["sex"], profile.Context);
        Assert.Equal(new Dictionary<string, long> { ["F"] = 2, ["M"] = 2 }, profile.Drift.Categorical["sex"].Data.Counts);
        Assert.Equal(["color", "size"], profile.Features);
        Assert.Equal(["comment"], profile.IgnoredColumns);
    }

    [Fact]
    public void Without_manifest_features_every_column_is_profiled_with_an_inferred_kind()
    {
        string path = Csv("a,b\n1.5,x\n2.5,y\n");

        var profile = ReferenceProfiler.Profile("m", "1", path, null, NoInputs, 1000);

        Assert.True(profile.Drift.Numeric.ContainsKey("a"));
        Assert.True(profile.Drift.Categorical.ContainsKey("b"));
    }

    [Fact]
    public void The_stored_file_reads_back_as_the_monitoring_profile()
    {
        string path = Csv("x,c\n1,a\n2,b\n3,a\n");
        var profile = ReferenceProfiler.Profile("m", "1", path, Manifest("""{"features": [{"name": "x"}, {"name": "c", "type": "string"}]}"""), NoInputs, 100);

        var stored = MonitoringJson.Deserialize<ServerlessML.Monitoring.ReferenceProfile>(Newtonsoft.Json.JsonConvert.SerializeObject(profile));

        Assert.Equal(profile.Drift.Numeric["x"].Deciles, stored.Numeric["x"].Deciles);
        Assert.Equal(3, stored.Numeric["x"].Count);
        Assert.Equal(2, stored.Categorical["c"].Data.CountOf("a"));
    }

    [Fact]
    public void A_numeric_column_without_any_value_is_listed_as_empty()
    {
        string path = Csv("x,y\n1,\n2,NA\n");

        var profile = ReferenceProfiler.Profile("m", "1", path, Manifest("""{"features": [{"name": "x"}, {"name": "y"}]}"""), NoInputs, 100);

        Assert.Equal(["y"], profile.EmptyColumns);
        Assert.False(profile.Drift.Numeric.ContainsKey("y"));
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

        var x = ReferenceProfiler.Profile("m", "1", path, Manifest("""{"features": [{"name": "x"}]}"""), NoInputs, 100).Drift.Numeric["x"];

        Assert.Equal((2L, 3L, 2.0), (x.Count, x.Data.Histogram.NullCount, x.Mean));
    }
}
