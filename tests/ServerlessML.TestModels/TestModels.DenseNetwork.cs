namespace ServerlessML.Testing.Onnx;

public static partial class TestModels
{
    /// <summary>
    /// A two-layer perceptron: "input" FP32 [batch, 4] → MatMul(4x8) + Add → Relu → MatMul(8x3) + Add →
    /// Softmax(axis -1) → "probabilities" FP32 [batch, 3]. Weights are fixed.
    /// </summary>
    public static class DenseNetwork
    {
        public const string InputName = "input";
        public const string OutputName = "probabilities";
        public const int Features = 4;
        public const int Hidden = 8;
        public const int Classes = 3;

        // Small rational weights of both signs, from integer formulas so they are the same on every platform.
        private static readonly float[] W1 = Weights(Features * Hidden, k => ((k * 37) + 11) % 17 - 8);
        private static readonly float[] B1 = Weights(Hidden, k => ((k * 13) + 5) % 7 - 3);
        private static readonly float[] W2 = Weights(Hidden * Classes, k => ((k * 29) + 3) % 13 - 6);
        private static readonly float[] B2 = [0.1f, -0.2f, 0.05f];

        public static byte[] Bytes() =>
            new OnnxGraphBuilder("dense_network")
                .Input(InputName, OnnxDataType.Float, BatchDimension, Features)
                .Initializer("W1", [Features, Hidden], W1)
                .Initializer("b1", [Hidden], B1)
                .Initializer("W2", [Hidden, Classes], W2)
                .Initializer("b2", [Classes], B2)
                .Node("MatMul", [InputName, "W1"], ["hidden_linear"])
                .Node("Add", ["hidden_linear", "b1"], ["hidden_biased"])
                .Node("Relu", ["hidden_biased"], ["hidden"])
                .Node("MatMul", ["hidden", "W2"], ["logits_linear"])
                .Node("Add", ["logits_linear", "b2"], ["logits"])
                .Node("Softmax", ["logits"], [OutputName], OnnxAttribute.Int("axis", -1))
                .Output(OutputName, OnnxDataType.Float, BatchDimension, Classes)
                .ToBytes();

        /// <summary>The probabilities, row-major [rows, 3], for row-major <paramref name="input"/> [rows, 4].</summary>
        public static float[] Predict(ReadOnlySpan<float> input)
        {
            CheckRowMajor(input, Features, nameof(DenseNetwork));
            var rows = input.Length / Features;
            var output = new float[rows * Classes];
            Span<double> hidden = stackalloc double[Hidden];
            Span<double> logits = stackalloc double[Classes];
            for (var row = 0; row < rows; row++)
            {
                var x = input.Slice(row * Features, Features);
                for (var j = 0; j < Hidden; j++)
                {
                    double sum = B1[j];
                    for (var i = 0; i < Features; i++)
                    {
                        sum += x[i] * (double)W1[(i * Hidden) + j];
                    }

                    hidden[j] = Math.Max(0, sum);
                }

                for (var c = 0; c < Classes; c++)
                {
                    double sum = B2[c];
                    for (var j = 0; j < Hidden; j++)
                    {
                        sum += hidden[j] * W2[(j * Classes) + c];
                    }

                    logits[c] = sum;
                }

                var probabilities = Softmax(logits);
                for (var c = 0; c < Classes; c++)
                {
                    output[(row * Classes) + c] = (float)probabilities[c];
                }
            }

            return output;
        }

        private static float[] Weights(int count, Func<int, int> tenths) =>
            [.. Enumerable.Range(0, count).Select(k => tenths(k) / 10f)];
    }
}
