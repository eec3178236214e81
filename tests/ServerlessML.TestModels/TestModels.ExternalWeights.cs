namespace ServerlessML.Testing.Onnx;

public static partial class TestModels
{
    /// <summary>
    /// A dense layer whose weights are ONNX external data, as PyTorch and
    /// <c>onnx.save_model(..., save_as_external_data=True)</c> write large models: "input" FP32 [batch, 4] →
    /// MatMul(W 4x3) + Add(b 3) → "output" FP32 [batch, 3]. W and b are stored one after the other in
    /// the file <see cref="WeightsFileName"/> beside model.onnx; model.onnx holds only their offsets.
    /// </summary>
    public static class ExternalWeights
    {
        public const string InputName = "input";
        public const string OutputName = "output";
        public const string WeightsFileName = "weights.data";
        public const int Features = 4;
        public const int Outputs = 3;

        private static readonly float[] W = [.. Enumerable.Range(0, Features * Outputs).Select(k => ((((k * 7) + 3) % 11) - 5) / 4f)];
        private static readonly float[] B = [0.5f, -1.25f, 2f];

        /// <summary>model.onnx, pointing at <paramref name="location"/> for its weights (tests pass bad locations).</summary>
        public static byte[] Bytes(string location = WeightsFileName) => Builder(location).ToBytes();

        /// <summary>The external-data file: W then b, little-endian floats.</summary>
        public static byte[] WeightsFile() => Builder(WeightsFileName).ExternalDataFiles()[WeightsFileName];

        /// <summary>The outputs, row-major [rows, 3], for row-major <paramref name="input"/> [rows, 4].</summary>
        public static float[] Predict(ReadOnlySpan<float> input)
        {
            CheckRowMajor(input, Features, nameof(ExternalWeights));
            var rows = input.Length / Features;
            var output = new float[rows * Outputs];
            for (var row = 0; row < rows; row++)
            {
                for (var o = 0; o < Outputs; o++)
                {
                    double sum = B[o];
                    for (var i = 0; i < Features; i++)
                    {
                        sum += input[(row * Features) + i] * (double)W[(i * Outputs) + o];
                    }

                    output[(row * Outputs) + o] = (float)sum;
                }
            }

            return output;
        }

        private static OnnxGraphBuilder Builder(string location) =>
            new OnnxGraphBuilder("external_weights")
                .Input(InputName, OnnxDataType.Float, BatchDimension, Features)
                .ExternalInitializer("W", [Features, Outputs], W, location)
                .ExternalInitializer("b", [Outputs], B, location)
                .Node("MatMul", [InputName, "W"], ["linear"])
                .Node("Add", ["linear", "b"], [OutputName])
                .Output(OutputName, OnnxDataType.Float, BatchDimension, Outputs);
    }
}
