using System.Globalization;
using System.IO.Compression;
using System.Text;
using Newtonsoft.Json.Linq;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>
/// Real traffic for the Adult sample model: complete rows of samples/adult-income/data/adult.data, turned into V1
/// instances as a caller sends them, and model packages (zips) as a data scientist uploads them.
/// </summary>
internal static class AdultTraffic
{
    /// <summary>The model's inputs, in adult.data's column order.</summary>
    public static IReadOnlyList<string> Features { get; } =
    [
        "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation", "relationship",
        "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country",
    ];

    public static IReadOnlySet<string> NumericFeatures { get; } = new HashSet<string>(["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"], StringComparer.Ordinal);

    /// <summary>The label column of a reference.csv: whether income is over 50K.</summary>
    public const string LabelColumn = "income_over_50k";

    /// <summary>
    /// A field sent beside the features that the model never reads (e.g. <c>age_band</c> for fairness groups): the app
    /// passes it through to the prediction log as context. Its value comes from the row's features.
    /// </summary>
    public sealed record ContextField(string Name, Func<string[], string> Value);

    /// <summary>Complete rows of adult.data (no '?'), from the <paramref name="skip"/>-th complete one: the features and whether income is over 50K.</summary>
    public static List<(string[] Values, bool Label)> Rows(int skip, int count) =>
        File.ReadLines(ServerlessMLApp.SampleFile("data", "adult.data"))
            .Where(line => line.Length > 0 && !line.Contains('?', StringComparison.Ordinal))
            .Skip(skip)
            .Take(count)
            .Select(line => line.Split(',').Select(v => v.Trim()).ToArray())
            .Select(v => (v[..Features.Count], v[Features.Count] == ">50K"))
            .ToList();

    /// <summary>
    /// One V1 instance of a row: numeric features as numbers, <paramref name="ageShift"/> years added to age (to
    /// make drift on purpose), and the <paramref name="context"/> fields after the features.
    /// </summary>
    public static JObject Instance(string[] values, double ageShift = 0, IReadOnlyList<ContextField>? context = null)
    {
        var instance = new JObject();
        for (int i = 0; i < Features.Count; i++)
        {
            string feature = Features[i];
            if (NumericFeatures.Contains(feature))
            {
                double value = double.Parse(values[i], CultureInfo.InvariantCulture);
                instance[feature] = feature == "age" ? value + ageShift : value;
            }
            else
            {
                instance[feature] = values[i];
            }
        }

        foreach (var field in context ?? [])
        {
            instance[field.Name] = field.Value(values);
        }

        return instance;
    }

    /// <summary>A reference.csv of <paramref name="rows"/>: the features, then the <paramref name="context"/> columns, then the label.</summary>
    public static string ReferenceCsv(IEnumerable<(string[] Values, bool Label)> rows, IReadOnlyList<ContextField>? context = null)
    {
        context ??= [];
        var csv = new StringBuilder();
        csv.Append(string.Join(',', Features.Concat(context.Select(c => c.Name)).Append(LabelColumn))).Append('\n');
        foreach (var (values, label) in rows)
        {
            csv.Append(string.Join(',', values.Concat(context.Select(c => c.Value(values))).Append(label ? "true" : "false"))).Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>The sample's model.onnx.</summary>
    public static byte[] SampleModel() => File.ReadAllBytes(ServerlessMLApp.SampleFile("model.onnx"));

    /// <summary>The sample's serverlessml.json as written.</summary>
    public static string SampleManifest() => File.ReadAllText(ServerlessMLApp.SampleFile("serverlessml.json"));

    /// <summary>A model package as uploaded to models/{model}/{version}.zip: model.onnx, serverlessml.json and, when given, reference.csv.</summary>
    public static byte[] Package(byte[] model, string manifest, string? referenceCsv = null)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var entry = zip.CreateEntry("model.onnx").Open())
            {
                entry.Write(model);
            }

            Write(zip, "serverlessml.json", manifest);
            if (referenceCsv is not null)
            {
                Write(zip, "reference.csv", referenceCsv);
            }
        }

        return buffer.ToArray();
    }

    private static void Write(ZipArchive zip, string name, string text)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(text);
    }
}
