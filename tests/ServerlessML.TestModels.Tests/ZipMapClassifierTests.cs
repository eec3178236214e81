using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static ServerlessML.Testing.Onnx.TestModels;

namespace ServerlessML.Testing.Onnx.Tests;

public sealed class ZipMapClassifierTests
{
    // Three rows, each won by a different class under the fixed coefficients.
    private static readonly float[] Input =
    [
        2.0f, 0.1f, 0.3f,
        -1.0f, 2.0f, -0.5f,
        0.0f, -1.0f, 2.5f,
    ];

    [Fact]
    public void String_labels_and_zipmap_probabilities_match_the_reference()
    {
        var expected = ZipMapClassifier.Predict(Input);
        using var session = new InferenceSession(ZipMapClassifier.Bytes());
        using var runOptions = new RunOptions();
        using var inputValue = OrtValue.CreateTensorValueFromMemory(Input, [3, 3]);

        using var outputs = session.Run(
            runOptions, [ZipMapClassifier.InputName], [inputValue], [ZipMapClassifier.LabelOutput, ZipMapClassifier.ProbabilityOutput]);

        Assert.Equal([3], outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal(expected.Select(row => row.Label), outputs[0].GetStringTensorAsArray());
        Assert.Equal(ZipMapClassifier.ClassLabels, expected.Select(row => row.Label));
        AssertProbabilities(expected, OrtValues.SequenceOfMaps(outputs[1], keys => keys.GetStringTensorAsArray()));
    }

    [Fact]
    public void Int64_labels_and_zipmap_probabilities_match_the_reference()
    {
        var expected = ZipMapClassifierInt64Labels.Predict(Input);
        using var session = new InferenceSession(ZipMapClassifierInt64Labels.Bytes());
        using var runOptions = new RunOptions();
        using var inputValue = OrtValue.CreateTensorValueFromMemory(Input, [3, 3]);

        using var outputs = session.Run(
            runOptions,
            [ZipMapClassifierInt64Labels.InputName],
            [inputValue],
            [ZipMapClassifierInt64Labels.LabelOutput, ZipMapClassifierInt64Labels.ProbabilityOutput]);

        Assert.Equal(expected.Select(row => row.Label), outputs[0].GetTensorDataAsSpan<long>().ToArray());
        Assert.Equal(ZipMapClassifierInt64Labels.ClassLabels, expected.Select(row => row.Label));
        AssertProbabilities(expected, OrtValues.SequenceOfMaps(outputs[1], keys => keys.GetTensorDataAsSpan<long>().ToArray()));
    }

    [Fact]
    public void Metadata_shows_a_sequence_of_string_to_float_maps()
    {
        using var session = new InferenceSession(ZipMapClassifier.Bytes());

        Assert.Equal([ZipMapClassifier.LabelOutput, ZipMapClassifier.ProbabilityOutput], session.OutputNames);
        var label = session.OutputMetadata[ZipMapClassifier.LabelOutput];
        Assert.Equal(TensorElementType.String, label.ElementDataType);
        Assert.Equal([-1], label.Dimensions);
        var probability = session.OutputMetadata[ZipMapClassifier.ProbabilityOutput];
        Assert.Equal(OnnxValueType.ONNX_TYPE_SEQUENCE, probability.OnnxValueType);
        var map = probability.AsSequenceMetadata().ElementMeta;
        Assert.Equal(OnnxValueType.ONNX_TYPE_MAP, map.OnnxValueType);
        Assert.Equal(TensorElementType.String, map.AsMapMetadata().KeyDataType);
        Assert.Equal(TensorElementType.Float, map.AsMapMetadata().ValueMetadata.ElementDataType);
    }

    [Fact]
    public void Int64_variant_metadata_shows_int64_labels_and_keys()
    {
        using var session = new InferenceSession(ZipMapClassifierInt64Labels.Bytes());

        Assert.Equal(TensorElementType.Int64, session.OutputMetadata[ZipMapClassifierInt64Labels.LabelOutput].ElementDataType);
        var map = session.OutputMetadata[ZipMapClassifierInt64Labels.ProbabilityOutput].AsSequenceMetadata().ElementMeta;
        Assert.Equal(TensorElementType.Int64, map.AsMapMetadata().KeyDataType);
    }

    private static void AssertProbabilities<TLabel>(ClassifierPrediction<TLabel>[] expected, List<Dictionary<TLabel, float>> actual)
        where TLabel : notnull
    {
        Assert.Equal(expected.Length, actual.Count);
        for (var row = 0; row < expected.Length; row++)
        {
            Assert.Equal(expected[row].Probabilities.Keys.Order(), actual[row].Keys.Order());
            foreach (var (label, probability) in expected[row].Probabilities)
            {
                Assert.True(
                    Math.Abs(probability - actual[row][label]) <= OrtValues.Tolerance,
                    $"Row {row}, label {label}: expected {probability:R}, ONNX Runtime gave {actual[row][label]:R}.");
            }
        }
    }
}
