namespace ServerlessML.Testing.Onnx;

public static partial class TestModels
{
    /// <summary>"x" FP32 of fixed shape [2, 3] → Mul by 2 → "y" FP32 [2, 3], for tests of shape checks.</summary>
    public static class FixedShape
    {
        public const string InputName = "x";
        public const string OutputName = "y";
        public const int Rows = 2;
        public const int Columns = 3;

        public static byte[] Bytes() =>
            new OnnxGraphBuilder("fixed_shape")
                .Input(InputName, OnnxDataType.Float, Rows, Columns)
                .Initializer("two", [], [2f])
                .Node("Mul", [InputName, "two"], [OutputName])
                .Output(OutputName, OnnxDataType.Float, Rows, Columns)
                .ToBytes();

        public static float[] Predict(ReadOnlySpan<float> input)
        {
            if (input.Length != Rows * Columns)
            {
                throw new ArgumentException($"{nameof(FixedShape)} takes exactly {Rows * Columns} values ([{Rows}, {Columns}]), not {input.Length}.", nameof(input));
            }

            var output = new float[input.Length];
            for (var i = 0; i < input.Length; i++)
            {
                output[i] = input[i] * 2f;
            }

            return output;
        }
    }
}
