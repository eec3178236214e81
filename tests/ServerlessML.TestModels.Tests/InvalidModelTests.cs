using Microsoft.ML.OnnxRuntime;
using static ServerlessML.Testing.Onnx.TestModels;

namespace ServerlessML.Testing.Onnx.Tests;

public sealed class InvalidModelTests
{
    public static TheoryData<string> InvalidModels =>
        [nameof(Invalid.Empty), nameof(Invalid.Truncated), nameof(Invalid.NotAModel), nameof(Invalid.UnknownOperator)];

    [Theory]
    [MemberData(nameof(InvalidModels))]
    public void Onnx_runtime_refuses_to_load(string name)
    {
        var bytes = BytesOf(name);

        Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(bytes).Dispose());
    }

    [Theory]
    [InlineData(nameof(Invalid.Truncated))]
    [InlineData(nameof(Invalid.NotAModel))]
    public void Onnx_runtime_cannot_parse_bytes_that_are_not_a_whole_model(string name)
    {
        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(BytesOf(name)).Dispose());

        Assert.Contains("protobuf parsing failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_operator_error_names_the_operator()
    {
        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(Invalid.UnknownOperator()).Dispose());

        Assert.Contains("NoSuchOperator", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_model_is_a_prefix_of_the_dense_network()
    {
        var whole = DenseNetwork.Bytes();
        var truncated = Invalid.Truncated();

        Assert.True(truncated.Length < whole.Length);
        Assert.Equal(whole[..truncated.Length], truncated);
    }

    private static byte[] BytesOf(string name) => name switch
    {
        nameof(Invalid.Empty) => Invalid.Empty(),
        nameof(Invalid.Truncated) => Invalid.Truncated(),
        nameof(Invalid.NotAModel) => Invalid.NotAModel(),
        nameof(Invalid.UnknownOperator) => Invalid.UnknownOperator(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not an invalid test model."),
    };
}
