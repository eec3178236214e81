using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdultIncome.Training;

/// <summary>Writes serverlessml.json (design section 4) for the exported model.</summary>
internal static class SampleManifest
{
    public static string Create(IReadOnlyList<AdultRecord> records, (string Label, string Score, string Probability) outputs)
    {
        var features = new JArray();
        foreach (var column in AdultFeatures.ColumnOrder)
        {
            if (AdultFeatures.IsNumeric(column))
            {
                var values = records.Select(record => (float)record.ValueOf(column)).ToList();
                features.Add(new JObject { ["name"] = column, ["type"] = "float", ["min"] = Json.Number(values.Min()), ["max"] = Json.Number(values.Max()) });
            }
            else
            {
                var categories = records.Select(record => (string)record.ValueOf(column)).Distinct().Order(StringComparer.Ordinal);
                features.Add(new JObject { ["name"] = column, ["type"] = "string", ["categories"] = new JArray(categories) });
            }
        }

        var manifest = new JObject
        {
            ["task"] = "binary-classification",
            ["features"] = features,
            ["outputs"] = new JObject { ["label"] = outputs.Label, ["score"] = outputs.Score, ["probabilities"] = outputs.Probability },
            ["positiveLabel"] = true,
            ["labelColumn"] = AdultRecord.LabelColumn,
            ["sensitiveFeatures"] = new JArray("sex", "race"),
        };
        return manifest.ToString(Formatting.Indented) + "\n";
    }
}

internal static class Json
{
    /// <summary>A whole number as a JSON integer (39, not 39.0); anything else as the float's shortest exact decimal.</summary>
    public static JValue Number(float value) =>
        value == MathF.Round(value) && Math.Abs(value) < 1e15 ? new JValue((long)value) : new JValue((double)(decimal)value);
}
