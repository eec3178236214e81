using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static ServerlessML.Testing.Onnx.TestModels;

namespace ServerlessML.Testing.Onnx.Tests;

public sealed class DenseNetworkTests
{
    [Fact]
    public void Probabilities_from_onnx_runtime_match_the_reference_computation()
    {
        float[] input =
        [
            0.5f, -1.0f, 2.0f, 0.25f,
            -3.0f, 0.0f, 1.5f, 4.0f,
            10.0f, 2.0f, -7.0f, 0.5f,
        ];
        using var session = new InferenceSession(DenseNetwork.Bytes());
        using var runOptions = new RunOptions();
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [3, DenseNetwork.Features]);

        using var outputs = session.Run(runOptions, [DenseNetwork.InputName], [inputValue], [DenseNetwork.OutputName]);

        Assert.Equal([3, DenseNetwork.Classes], outputs[0].GetTensorTypeAndShape().Shape);
        OrtValues.AssertClose(DenseNetwork.Predict(input), outputs[0].GetTensorDataAsSpan<float>());
    }

    [Fact]
    public void Reference_rows_are_distributions_that_differ_between_inputs()
    {
        // Guards the reference itself: a softmax that ignored its input would still sum to 1.
        var output = DenseNetwork.Predict([0.5f, -1.0f, 2.0f, 0.25f, -3.0f, 0.0f, 1.5f, 4.0f]);

        Assert.Equal(1.0, output[..3].Sum(), 5);
        Assert.Equal(1.0, output[3..].Sum(), 5);
        Assert.NotEqual(output[..3], output[3..]);
    }

    [Fact]
    public void Metadata_shows_a_symbolic_batch_dimension()
    {
        using var session = new InferenceSession(DenseNetwork.Bytes());

        var input = Assert.Single(session.InputMetadata);
        Assert.Equal(DenseNetwork.InputName, input.Key);
        Assert.Equal(TensorElementType.Float, input.Value.ElementDataType);
        Assert.Equal([-1, DenseNetwork.Features], input.Value.Dimensions);
        Assert.Equal(BatchDimension, input.Value.SymbolicDimensions[0]);

        var output = Assert.Single(session.OutputMetadata);
        Assert.Equal(DenseNetwork.OutputName, output.Key);
        Assert.Equal(TensorElementType.Float, output.Value.ElementDataType);
        Assert.Equal([-1, DenseNetwork.Classes], output.Value.Dimensions);
    }

    [Fact]
    public void Wrong_feature_count_is_refused_by_the_reference()
    {
        var error = Assert.Throws<ArgumentException>(() => DenseNetwork.Predict([1f, 2f, 3f]));
        Assert.Contains("rows of 4 values", error.Message, StringComparison.Ordinal);
    }
}
