namespace ServerlessML.Testing.Onnx;

public static partial class TestModels
{
    /// <summary>
    /// Two independent columns: "color" STRING [batch, 1] → ai.onnx.ml LabelEncoder → "color_code" INT64 [batch, 1]
    /// (red 1, green 2, blue 3, anything else -1), and "size" FP32 [batch, 1] → Mul by 2 → "size_doubled" FP32 [batch, 1].
    /// </summary>
    public static class StringFeatures
    {
        public const string ColorInput = "color";
        public const string SizeInput = "size";
        public const string ColorCodeOutput = "color_code";
        public const string SizeDoubledOutput = "size_doubled";
        public const long UnseenColorCode = -1;

        private static readonly string[] Colors = ["red", "green", "blue"];
        private static readonly long[] Codes = [1, 2, 3];

        public static IReadOnlyList<string> KnownColors => Colors;

        public static byte[] Bytes() =>
            new OnnxGraphBuilder("string_features")
                .Opset(OnnxGraphBuilder.MlDomain, OnnxGraphBuilder.DefaultMlOpset)
                .Input(ColorInput, OnnxDataType.String, BatchDimension, 1)
                .Input(SizeInput, OnnxDataType.Float, BatchDimension, 1)
                .Initializer("two", [], [2f])
                .NodeInDomain(
                    OnnxGraphBuilder.MlDomain,
                    "LabelEncoder",
                    [ColorInput],
                    [ColorCodeOutput],
                    OnnxAttribute.Strings("keys_strings", Colors),
                    OnnxAttribute.Ints("values_int64s", Codes),
                    OnnxAttribute.Int("default_int64", UnseenColorCode))
                .Node("Mul", [SizeInput, "two"], [SizeDoubledOutput])
                .Output(ColorCodeOutput, OnnxDataType.Int64, BatchDimension, 1)
                .Output(SizeDoubledOutput, OnnxDataType.Float, BatchDimension, 1)
                .ToBytes();

        public static long ColorCode(string color)
        {
            var index = Array.IndexOf(Colors, color);
            return index < 0 ? UnseenColorCode : Codes[index];
        }

        public static float SizeDoubled(float size) => size * 2f;
    }
}
