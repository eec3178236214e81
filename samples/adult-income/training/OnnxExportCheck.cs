using Microsoft.ML.OnnxRuntime;

namespace AdultIncome.Training;

/// <summary>How far ONNX Runtime's answers on the exported model are from ML.NET's on the same rows.</summary>
internal sealed record OnnxExportComparison(
    string LabelOutput,
    string ScoreOutput,
    string ProbabilityOutput,
    int Rows,
    int LabelDisagreements,
    double MaxScoreDifference,
    double MaxProbabilityDifference);

internal static class OnnxExportCheck
{
    /// <summary>Runs every row through the exported model in one batch and compares with ML.NET's predictions.</summary>
    public static OnnxExportComparison Compare(string modelPath, IReadOnlyList<AdultFeatures> rows, IReadOnlyList<AdultPrediction> expected)
    {
        // ML.NET's export declares [-1, K] for one-hot values that are [-1, 1, K]; ONNX Runtime warns and
        // merges the shapes leniently, which is harmless, so only errors are logged here.
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(modelPath, options);
        if (session.OutputNames.Count != 3)
        {
            throw new InvalidOperationException($"The exported model has outputs [{string.Join(", ", session.OutputNames)}]; expected the label, score and probability only.");
        }

        var (labelOutput, scoreOutput, probabilityOutput) = (session.OutputNames[0], session.OutputNames[1], session.OutputNames[2]);
        long[] shape = [rows.Count, 1];
        var inputs = new List<OrtValue>();
        try
        {
            foreach (var column in AdultFeatures.ColumnOrder)
            {
                inputs.Add(AdultFeatures.IsNumeric(column)
                    ? OrtValue.CreateTensorValueFromMemory(rows.Select(row => (float)row.ValueOf(column)).ToArray(), shape)
                    : Strings(rows.Select(row => (string)row.ValueOf(column)).ToArray(), shape));
            }

            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [.. AdultFeatures.ColumnOrder], inputs, session.OutputNames);
            var labels = outputs[0].GetTensorDataAsSpan<bool>();
            var scores = outputs[1].GetTensorDataAsSpan<float>();
            var probabilities = outputs[2].GetTensorDataAsSpan<float>();
            var disagreements = 0;
            double maxScore = 0, maxProbability = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                disagreements += labels[i] == expected[i].PredictedLabel ? 0 : 1;
                maxScore = Math.Max(maxScore, Math.Abs(scores[i] - expected[i].Score));
                maxProbability = Math.Max(maxProbability, Math.Abs(probabilities[i] - expected[i].Probability));
            }

            return new(labelOutput, scoreOutput, probabilityOutput, rows.Count, disagreements, maxScore, maxProbability);
        }
        finally
        {
            inputs.ForEach(input => input.Dispose());
        }
    }

    private static OrtValue Strings(string[] values, long[] shape)
    {
        var tensor = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        for (var i = 0; i < values.Length; i++)
        {
            tensor.StringTensorSetElementAt(values[i].AsSpan(), i);
        }

        return tensor;
    }
}
