using ServerlessML.DevHost.Blobs;

namespace ServerlessML.DevHost.Tests;

public sealed class BlobPathPatternTests
{
    [Fact]
    public void Tokens_capture_the_parts_of_a_blob_name()
    {
        var pattern = BlobPathPattern.Parse("models/{model}/{name}");

        Assert.Equal("models", pattern.Container);
        Assert.Equal(["model", "name"], pattern.Tokens);
        var values = pattern.Match("adult-income/2.onnx");
        Assert.Equal("adult-income", values?["model"]);
        Assert.Equal("2.onnx", values?["name"]);
    }

    [Fact]
    public void Tokens_are_greedy_as_in_webjobs_binding_templates()
    {
        var values = BlobPathPattern.Parse("models/{model}/{name}").Match("a/b/c.onnx");

        Assert.Equal("a/b", values?["model"]);
        Assert.Equal("c.onnx", values?["name"]);
    }

    [Fact]
    public void Blob_without_the_literal_parts_does_not_match()
    {
        Assert.Null(BlobPathPattern.Parse("models/{model}/{name}").Match("top-level.onnx"));
        Assert.Null(BlobPathPattern.Parse("input/{name}.csv").Match("data.json"));
        Assert.Equal("data", BlobPathPattern.Parse("input/{name}.csv").Match("data.csv")?["name"]);
    }

    [Fact]
    public void Literal_prefix_is_the_text_before_the_first_token()
    {
        Assert.Equal("incoming/", BlobPathPattern.Parse("data/incoming/{name}").LiteralPrefix);
        Assert.Equal("", BlobPathPattern.Parse("data/{name}").LiteralPrefix);
    }

    [Fact]
    public void Container_only_path_matches_every_blob()
    {
        var pattern = BlobPathPattern.Parse("models");

        Assert.Empty(pattern.Tokens);
        Assert.NotNull(pattern.Match("any/depth/name.onnx"));
    }

    [Fact]
    public void Doubled_braces_are_literal_braces() =>
        Assert.Equal("x", BlobPathPattern.Parse("data/{{raw}}-{name}").Match("{raw}-x")?["name"]);

    [Theory]
    [InlineData("{container}/{name}", "fixed name")]
    [InlineData("Models/{name}", "not a valid container name")]
    [InlineData("models/{name", "no closing")]
    [InlineData("models/{na-me}", "not a valid token name")]
    [InlineData("models/{name}/{name}", "appears twice")]
    public void Bad_path_is_refused_saying_why(string path, string reason)
    {
        var error = Assert.Throws<FormatException>(() => BlobPathPattern.Parse(path));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
