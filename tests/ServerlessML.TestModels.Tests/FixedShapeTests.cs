using Microsoft.ML.OnnxRuntime;
using static ServerlessML.Testing.Onnx.TestModels;

namespace ServerlessML.Testing.Onnx.Tests;

public sealed class FixedShapeTests
{
    private static readonly float[] Input = [1f, -2f, 3.5f, 0f, 1e-3f, -7.25f];

    [Fact]
    public void Output_is_the_input_doubled()
    {
        using var session = new InferenceSession(FixedShape.Bytes());
        using var runOptions = new RunOptions();
        using var inputValue = OrtValue.CreateTensorValueFromMemory(Input, [FixedShape.Rows, FixedShape.Columns]);

        using var outputs = session.Run(runOptions, [FixedShape.InputName], [inputValue], [FixedShape.OutputName]);

        Assert.Equal([FixedShape.Rows, FixedShape.Columns], outputs[0].GetTensorTypeAndShape().Shape);
        OrtValues.AssertClose(FixedShape.Predict(Input), outputs[0].GetTensorDataAsSpan<float>());
    }

    [Fact]
    public void Metadata_shows_fixed_dimensions()
    {
        using var session = new InferenceSession(FixedShape.Bytes());

        Assert.Equal([FixedShape.Rows, FixedShape.Columns], session.InputMetadata[FixedShape.InputName].Dimensions);
        Assert.Equal([FixedShape.Rows, FixedShape.Columns], session.OutputMetadata[FixedShape.OutputName].Dimensions);
    }

    [Fact]
    public void Onnx_runtime_refuses_the_transposed_shape()
    {
        using var session = new InferenceSession(FixedShape.Bytes());
        using var runOptions = new RunOptions();
        using var inputValue = OrtValue.CreateTensorValueFromMemory(Input, [FixedShape.Columns, FixedShape.Rows]);

        var error = Assert.Throws<OnnxRuntimeException>(
            () => session.Run(runOptions, [FixedShape.InputName], [inputValue], [FixedShape.OutputName]).Dispose());

        Assert.Contains(FixedShape.InputName, error.Message, StringComparison.Ordinal);
    }
}
