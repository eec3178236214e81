using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdultIncome.Training;

/// <summary>Writes the sample requests in both protocols for the same rows, and the expected outputs.</summary>
internal static class SampleRequests
{
    public static void Write(
        string folder,
        IReadOnlyList<AdultRecord> rows,
        IReadOnlyList<AdultPrediction> predictions,
        (string Label, string Score, string Probability) outputs)
    {
        Directory.CreateDirectory(folder);

        // KServe V1: one object per person; "applicant_id" is a passthrough field the model does not see.
        var instances = new JArray();
        for (var i = 0; i < rows.Count; i++)
        {
            var instance = new JObject();
            foreach (var column in AdultFeatures.ColumnOrder)
            {
                instance[column] = ValueToken(rows[i].ValueOf(column));
            }

            instance["applicant_id"] = $"sample-{i + 1}";
            instances.Add(instance);
        }

        Save(Path.Combine(folder, "v1-predict.json"), new JObject { ["instances"] = instances });

        // Open Inference Protocol: one [rows, 1] tensor per input.
        var inputs = new JArray();
        foreach (var column in AdultFeatures.ColumnOrder)
        {
            inputs.Add(Tensor(column, AdultFeatures.IsNumeric(column) ? "FP32" : "BYTES", rows.Count, rows.Select(row => ValueToken(row.ValueOf(column)))));
        }

        Save(Path.Combine(folder, "v2-infer.json"), new JObject { ["inputs"] = inputs });

        // Expected answers in both protocols: "predictions" as the V1 answer to v1-predict.json (one object per
        // row, keyed by the manifest's output roles), "outputs" as the Open Inference Protocol answer to v2-infer.json.
        var v1Predictions = new JArray(predictions.Select(prediction => new JObject
        {
            ["label"] = prediction.PredictedLabel,
            ["score"] = (double)prediction.Score,
            ["probability"] = (double)prediction.Probability,
        }));
        var v2Outputs = new JArray
        {
            Tensor(outputs.Label, "BOOL", rows.Count, predictions.Select(prediction => new JValue(prediction.PredictedLabel))),
            Tensor(outputs.Score, "FP32", rows.Count, predictions.Select(prediction => new JValue((double)prediction.Score))),
            Tensor(outputs.Probability, "FP32", rows.Count, predictions.Select(prediction => new JValue((double)prediction.Probability))),
        };
        Save(Path.Combine(folder, "expected.json"), new JObject { ["predictions"] = v1Predictions, ["outputs"] = v2Outputs });
    }

    private static JObject Tensor(string name, string datatype, int rows, IEnumerable<JToken> data) => new()
    {
        ["name"] = name,
        ["shape"] = new JArray(rows, 1),
        ["datatype"] = datatype,
        ["data"] = new JArray(data),
    };

    private static JToken ValueToken(object value) => value switch
    {
        float number => Json.Number(number),
        string text => new JValue(text),
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "A feature value is a float or a string."),
    };

    private static void Save(string path, JObject json) => File.WriteAllText(path, json.ToString(Formatting.Indented) + "\n");
}
