using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static ServerlessML.Testing.Onnx.TestModels;

namespace ServerlessML.Testing.Onnx.Tests;

public sealed class StringFeaturesTests
{
    [Fact]
    public void Colors_are_encoded_and_sizes_doubled_with_unseen_colors_getting_the_default()
    {
        string[] colors = ["red", "blue", "purple", "green"];
        float[] sizes = [1.5f, -2f, 0f, 1e6f];
        using var session = new InferenceSession(StringFeatures.Bytes());
        using var runOptions = new RunOptions();
        using var colorValue = OrtValues.Strings(colors, colors.Length, 1);
        using var sizeValue = OrtValue.CreateTensorValueFromMemory(sizes, [sizes.Length, 1]);

        using var outputs = session.Run(
            runOptions,
            [StringFeatures.ColorInput, StringFeatures.SizeInput],
            [colorValue, sizeValue],
            [StringFeatures.ColorCodeOutput, StringFeatures.SizeDoubledOutput]);

        Assert.Equal([colors.Length, 1], outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal(colors.Select(StringFeatures.ColorCode), outputs[0].GetTensorDataAsSpan<long>().ToArray());
        Assert.Equal(StringFeatures.UnseenColorCode, outputs[0].GetTensorDataAsSpan<long>()[2]);
        OrtValues.AssertClose(sizes.Select(StringFeatures.SizeDoubled).ToArray(), outputs[1].GetTensorDataAsSpan<float>());
    }

    [Fact]
    public void Metadata_shows_a_string_input_and_an_int64_output()
    {
        using var session = new InferenceSession(StringFeatures.Bytes());

        Assert.Equal([StringFeatures.ColorInput, StringFeatures.SizeInput], session.InputNames);
        Assert.Equal(TensorElementType.String, session.InputMetadata[StringFeatures.ColorInput].ElementDataType);
        Assert.Equal([-1, 1], session.InputMetadata[StringFeatures.ColorInput].Dimensions);
        Assert.Equal(TensorElementType.Float, session.InputMetadata[StringFeatures.SizeInput].ElementDataType);
        Assert.Equal([StringFeatures.ColorCodeOutput, StringFeatures.SizeDoubledOutput], session.OutputNames);
        Assert.Equal(TensorElementType.Int64, session.OutputMetadata[StringFeatures.ColorCodeOutput].ElementDataType);
        Assert.Equal([-1, 1], session.OutputMetadata[StringFeatures.SizeDoubledOutput].Dimensions);
    }
}
