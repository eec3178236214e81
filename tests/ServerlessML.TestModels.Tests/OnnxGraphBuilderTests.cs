using Microsoft.ML.OnnxRuntime;
using static ServerlessML.Testing.Onnx.TestModels;

namespace ServerlessML.Testing.Onnx.Tests;

public sealed class OnnxGraphBuilderTests
{
    public static TheoryData<string> ModelNames =>
    [
        nameof(DenseNetwork), nameof(StringFeatures), nameof(ZipMapClassifier), nameof(ZipMapClassifierInt64Labels),
        nameof(AllTypesIdentity), nameof(FixedShape),
    ];

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void Every_call_gives_the_same_bytes(string name)
    {
        Assert.Equal(BytesOf(name), BytesOf(name));
    }

    [Fact]
    public void A_node_reading_an_undefined_value_is_refused_with_its_name()
    {
        var builder = new OnnxGraphBuilder("typo")
            .Input("x", OnnxDataType.Float, 1)
            .Node("Relu", ["x_typo"], ["y"])
            .Output("y", OnnxDataType.Float, 1);

        var error = Assert.Throws<InvalidOperationException>(builder.ToBytes);

        Assert.Contains("'x_typo'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_nothing_produces_is_refused_with_its_name()
    {
        var builder = new OnnxGraphBuilder("dangling")
            .Input("x", OnnxDataType.Float, 1)
            .Node("Relu", ["x"], ["y"])
            .Output("z", OnnxDataType.Float, 1);

        var error = Assert.Throws<InvalidOperationException>(builder.ToBytes);

        Assert.Contains("'z'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_initializer_whose_values_do_not_fill_its_shape_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new OnnxGraphBuilder("bad").Initializer("w", [2, 2], [1f, 2f, 3f]));

        Assert.Contains("'w'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_entries_reach_onnx_runtime()
    {
        var bytes = new OnnxGraphBuilder("with_metadata")
            .Input("x", OnnxDataType.Float, 1)
            .Node("Identity", ["x"], ["y"])
            .Output("y", OnnxDataType.Float, 1)
            .Metadata("owner", "tests")
            .ToBytes();

        using var session = new InferenceSession(bytes);

        Assert.Equal("tests", session.ModelMetadata.CustomMetadataMap["owner"]);
        Assert.Equal("ServerlessML.TestModels", session.ModelMetadata.ProducerName);
        Assert.Equal("with_metadata", session.ModelMetadata.GraphName);
    }

    private static byte[] BytesOf(string name) => name switch
    {
        nameof(DenseNetwork) => DenseNetwork.Bytes(),
        nameof(StringFeatures) => StringFeatures.Bytes(),
        nameof(ZipMapClassifier) => ZipMapClassifier.Bytes(),
        nameof(ZipMapClassifierInt64Labels) => ZipMapClassifierInt64Labels.Bytes(),
        nameof(AllTypesIdentity) => AllTypesIdentity.Bytes(),
        nameof(FixedShape) => FixedShape.Bytes(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a test model."),
    };
}
