using System.Globalization;
using System.Text;
using Newtonsoft.Json.Linq;
using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.Tests.Deployment;

/// <summary>The Adult income sample of samples/adult-income, as package files.</summary>
internal static class AdultSample
{
    public static readonly string[] Columns =
    [
        "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation", "relationship",
        "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country",
    ];

    public const string LabelColumn = "income_over_50k";

    public static byte[] Model() => File.ReadAllBytes(RepositoryRoot.Combine("samples", "adult-income", "model.onnx"));

    public static string Manifest() => File.ReadAllText(RepositoryRoot.Combine("samples", "adult-income", "serverlessml.json"));

    public static string ManifestWith(Action<JObject> change)
    {
        var manifest = JObject.Parse(Manifest());
        change(manifest);
        return manifest.ToString();
    }

    public static string V1Request() => File.ReadAllText(RepositoryRoot.Combine("samples", "adult-income", "requests", "v1-predict.json"));

    public static string V2Request() => File.ReadAllText(RepositoryRoot.Combine("samples", "adult-income", "requests", "v2-infer.json"));

    public static string Expected() => File.ReadAllText(RepositoryRoot.Combine("samples", "adult-income", "requests", "expected.json"));

    /// <summary>The first <paramref name="rows"/> rows of adult.data as reference.csv: the manifest's column names, label true/false.</summary>
    public static string ReferenceCsv(int rows)
    {
        var csv = new StringBuilder();
        csv.Append(string.Join(",", Columns)).Append(',').Append(LabelColumn).Append('\n');
        int written = 0;
        foreach (string line in File.ReadLines(RepositoryRoot.Combine("samples", "adult-income", "data", "adult.data")))
        {
            if (written == rows)
            {
                break;
            }

            string[] fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length != Columns.Length + 1)
            {
                continue;
            }

            csv.Append(string.Join(",", fields[..Columns.Length].Select(Quote)))
                .Append(',').Append(fields[^1].StartsWith('>') ? "true" : "false").Append('\n');
            written++;
        }

        return csv.ToString();
    }

    /// <summary>The whole package: model, manifest, reference data and a V1 smoke test with the sample's expected answer.</summary>
    public static byte[] Zip(string? manifest = null, int referenceRows = 2000, string? expected = null) => DeploymentBench.Zip(
        (RegistryPaths.ModelFileName, Model()),
        (RegistryPaths.ManifestFileName, DeploymentBench.Utf8(manifest ?? Manifest())),
        ("reference.csv", DeploymentBench.Utf8(ReferenceCsv(referenceRows))),
        ("smoke/request.json", DeploymentBench.Utf8(V1Request())),
        ("smoke/expected.json", DeploymentBench.Utf8(expected ?? Expected())));

    private static string Quote(string field) =>
        field.Contains(',', StringComparison.Ordinal) ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;

    public static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
