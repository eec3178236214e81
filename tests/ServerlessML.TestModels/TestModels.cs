namespace ServerlessML.Testing.Onnx;

/// <summary>
/// Small, real ONNX models for tests and benchmarks, written by <see cref="OnnxGraphBuilder"/>.
/// Each nested class gives the model's bytes (the same bytes on every call), its input and output
/// names, and a C# reference computation of its outputs that does not go through ONNX Runtime.
/// </summary>
public static partial class TestModels
{
    /// <summary>The symbolic batch dimension of the models with a variable number of rows.</summary>
    public const string BatchDimension = "batch";

    private static void CheckRowMajor(ReadOnlySpan<float> input, int columns, string model)
    {
        if (input.Length % columns != 0)
        {
            throw new ArgumentException($"{model} takes rows of {columns} values, but {input.Length} values are not a whole number of rows.", nameof(input));
        }
    }

    private static double[] Softmax(ReadOnlySpan<double> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var logit in logits)
        {
            max = Math.Max(max, logit);
        }

        var result = new double[logits.Length];
        var sum = 0.0;
        for (var i = 0; i < logits.Length; i++)
        {
            result[i] = Math.Exp(logits[i] - max);
            sum += result[i];
        }

        for (var i = 0; i < result.Length; i++)
        {
            result[i] /= sum;
        }

        return result;
    }

    private static int ArgMax(ReadOnlySpan<double> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
