namespace ServerlessML.Testing.Onnx;

/// <summary>One row's answer from a classifier: the predicted label and each label's probability.</summary>
public sealed record ClassifierPrediction<TLabel>(TLabel Label, IReadOnlyDictionary<TLabel, float> Probabilities)
    where TLabel : notnull;

public static partial class TestModels
{
    /// <summary>
    /// A classifier as scikit-learn exports it (skl2onnx): "float_input" FP32 [batch, 3] → ai.onnx.ml LinearClassifier
    /// (3 classes, softmax) → "output_label" STRING [batch] and, through ZipMap, "output_probability"
    /// seq(map(string, float)), one map of label to probability per row.
    /// </summary>
    public static class ZipMapClassifier
    {
        public const string InputName = "float_input";
        public const string LabelOutput = "output_label";
        public const string ProbabilityOutput = "output_probability";

        private static readonly string[] Labels = ["setosa", "versicolor", "virginica"];

        public static IReadOnlyList<string> ClassLabels => Labels;

        public static byte[] Bytes() =>
            LinearClassifier.Bytes("zipmap_classifier", OnnxDataType.String, OnnxAttribute.Strings("classlabels_strings", Labels), OnnxAttribute.Strings("classlabels_strings", Labels));

        /// <summary>The label and probabilities of each row of row-major <paramref name="input"/> [rows, 3].</summary>
        public static ClassifierPrediction<string>[] Predict(ReadOnlySpan<float> input) => LinearClassifier.Predict(input, Labels);
    }

    /// <summary>
    /// <see cref="ZipMapClassifier"/> with int64 class labels 10, 20 and 30 (not 0, 1, 2, so a label is never
    /// mistaken for a class index): "output_label" INT64 [batch] and "output_probability" seq(map(int64, float)).
    /// </summary>
    public static class ZipMapClassifierInt64Labels
    {
        public const string InputName = ZipMapClassifier.InputName;
        public const string LabelOutput = ZipMapClassifier.LabelOutput;
        public const string ProbabilityOutput = ZipMapClassifier.ProbabilityOutput;

        private static readonly long[] Labels = [10, 20, 30];

        public static IReadOnlyList<long> ClassLabels => Labels;

        public static byte[] Bytes() =>
            LinearClassifier.Bytes("zipmap_classifier_int64_labels", OnnxDataType.Int64, OnnxAttribute.Ints("classlabels_ints", Labels), OnnxAttribute.Ints("classlabels_int64s", Labels));

        public static ClassifierPrediction<long>[] Predict(ReadOnlySpan<float> input) => LinearClassifier.Predict(input, Labels);
    }

    /// <summary>The linear model both ZipMap classifiers share.</summary>
    private static class LinearClassifier
    {
        public const int Features = 3;

        // Row c holds the coefficients of class c.
        private static readonly float[] Coefficients =
        [
            1.5f, -0.5f, 0.25f,
            -0.75f, 1.0f, -0.5f,
            -0.25f, -0.5f, 1.25f,
        ];

        private static readonly float[] Intercepts = [0.1f, 0.0f, -0.2f];

        public static byte[] Bytes(string graphName, OnnxDataType labelType, OnnxAttribute classifierLabels, OnnxAttribute zipMapLabels) =>
            new OnnxGraphBuilder(graphName)
                // ai.onnx.ml 1, as skl2onnx writes for these operators (both exist unchanged since version 1).
                .Opset(OnnxGraphBuilder.MlDomain, 1)
                .Input(ZipMapClassifier.InputName, OnnxDataType.Float, BatchDimension, Features)
                .NodeInDomain(
                    OnnxGraphBuilder.MlDomain,
                    "LinearClassifier",
                    [ZipMapClassifier.InputName],
                    [ZipMapClassifier.LabelOutput, "probability_tensor"],
                    classifierLabels,
                    OnnxAttribute.Floats("coefficients", Coefficients),
                    OnnxAttribute.Floats("intercepts", Intercepts),
                    OnnxAttribute.Int("multi_class", 0),
                    OnnxAttribute.String("post_transform", "SOFTMAX"))
                .NodeInDomain(OnnxGraphBuilder.MlDomain, "ZipMap", ["probability_tensor"], [ZipMapClassifier.ProbabilityOutput], zipMapLabels)
                .Output(ZipMapClassifier.LabelOutput, labelType, BatchDimension)
                .Output(
                    ZipMapClassifier.ProbabilityOutput,
                    OnnxType.Sequence(OnnxType.Map(labelType, OnnxType.TensorOfAnyShape(OnnxDataType.Float))))
                .ToBytes();

        public static ClassifierPrediction<TLabel>[] Predict<TLabel>(ReadOnlySpan<float> input, TLabel[] labels)
            where TLabel : notnull
        {
            CheckRowMajor(input, Features, "The ZipMap classifier");
            var rows = input.Length / Features;
            var predictions = new ClassifierPrediction<TLabel>[rows];
            Span<double> logits = stackalloc double[labels.Length];
            for (var row = 0; row < rows; row++)
            {
                var x = input.Slice(row * Features, Features);
                for (var c = 0; c < labels.Length; c++)
                {
                    double sum = Intercepts[c];
                    for (var f = 0; f < Features; f++)
                    {
                        sum += x[f] * (double)Coefficients[(c * Features) + f];
                    }

                    logits[c] = sum;
                }

                var probabilities = Softmax(logits);
                var byLabel = new Dictionary<TLabel, float>();
                for (var c = 0; c < labels.Length; c++)
                {
                    byLabel[labels[c]] = (float)probabilities[c];
                }

                predictions[row] = new ClassifierPrediction<TLabel>(labels[ArgMax(logits)], byLabel);
            }

            return predictions;
        }
    }
}
