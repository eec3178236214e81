using System.Globalization;
using System.Text;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using ServerlessML.Logging;
using ServerlessML.Monitoring;
using ServerlessML.Registry;
using ServerlessML.Reports;
using ServerlessML.Testing;

namespace ServerlessML.Tests.Reports;

/// <summary>One logged row as the test wrote it: the truth the report is checked against.</summary>
public sealed record LoggedRow(string RequestId, DateTimeOffset Time, string Route, double LatencyMs, bool Failed, double X, string C, string Group, string Predicted, double Probability, string? Actual);

/// <summary>
/// A model in Azurite with a manifest, a reference profile (x uniform on 0..100, c half a / half b), and a
/// synthetic prediction log and feedback written directly in the log's format, so that every figure of the
/// report can be computed again here from the same rows.
/// </summary>
public sealed class ReportBench
{
    public const string Manifest = """
        {
          "task": "binary-classification",
          "positiveLabel": "yes",
          "labelColumn": "label",
          "sensitiveFeatures": ["group"],
          "features": [
            {"name": "x", "type": "float", "min": 0, "max": 100},
            {"name": "c", "type": "string", "categories": ["a", "b"]}
          ],
          "monitoring": {"fairnessMinGroupSize": 5}
        }
        """;

    private long _sequence;

    private ReportBench(BlobServiceClient blobs, string model, IReadOnlyList<double> referenceX)
    {
        Blobs = blobs;
        Model = model;
        ReferenceX = referenceX;
    }

    /// <summary>Reports are made at 12:30 UTC: hours 10 and 11 are complete, 12 is the current one.</summary>
    public static DateTimeOffset Now { get; } = new(2026, 1, 10, 12, 30, 0, TimeSpan.Zero);

    public BlobServiceClient Blobs { get; }

    public string Model { get; }

    public IReadOnlyList<double> ReferenceX { get; }

    public List<LoggedRow> Rows { get; } = [];

    public static async Task<ReportBench> CreateAsync(string prefix, bool withProfile = true)
    {
        var blobs = await TestStorage.ServiceClientAsync();
        string model = TestStorage.UniqueName(prefix);
        var random = new Random(7);
        var referenceX = Enumerable.Range(0, 2000).Select(_ => random.NextDouble() * 100).ToList();
        var profile = ReferenceProfile.Build(
            new Dictionary<string, IReadOnlyList<double?>> { ["x"] = referenceX.Select(x => (double?)x).ToList() },
            new Dictionary<string, IReadOnlyList<string?>>
            {
                ["c"] = Enumerable.Range(0, 2000).Select(i => (string?)(i % 2 == 0 ? "a" : "b")).ToList(),
                ["label"] = Enumerable.Range(0, 2000).Select(i => (string?)(i % 3 == 0 ? "yes" : "no")).ToList(),
            });
        var store = new RegistryStore(blobs);
        await store.PublishAsync(model, "1", BinaryData.FromString("model bytes"), Manifest);
        if (withProfile)
        {
            await store.Container.GetBlobClient(RegistryPaths.VersionFolder(model, "1") + "reference-profile.json").UploadAsync(BinaryData.FromString(MonitoringJson.Serialize(profile)), overwrite: true);
        }

        return new ReportBench(blobs, model, referenceX);
    }

    public ReportGenerator Generator(ReportOptions? options = null) => new(
        Blobs, new RegistryStore(Blobs), new PredictionLogReader(Blobs), new FeedbackReader(Blobs),
        Options.Create(options ?? new ReportOptions { FairnessBootstrapResamples = 50 }), [], NullLogger<ReportGenerator>.Instance);

    /// <summary>
    /// Logs <paramref name="count"/> single-row requests spread over 10:00–12:30, x uniform on [shift, 100 + shift);
    /// every 10th request fails, every 4th goes to the canary route; the model says yes when x > 50.
    /// </summary>
    public async Task LogAsync(int count, double shift, int seed, DateTimeOffset? start = null, TimeSpan? span = null)
    {
        var random = new Random(seed);
        var from = start ?? Now.AddHours(-2.5);
        var length = span ?? TimeSpan.FromHours(2.5);
        var rows = new List<LoggedRow>();
        for (int i = 0; i < count; i++)
        {
            double x = (random.NextDouble() * 100) + shift;
            double probability = 1 / (1 + Math.Exp(-(x - 50) / 10));
            string group = random.NextDouble() < 0.6 ? "g1" : "g2";
            string actual = random.NextDouble() < probability ? "yes" : "no";
            rows.Add(new LoggedRow(
                $"{Model}-{seed}-{i}",
                from + (length * i / count),
                i % 4 == 3 ? "canary" : "production",
                5 + (random.NextDouble() * 95),
                i % 10 == 9,
                x,
                random.NextDouble() < 0.5 ? "a" : "b",
                group,
                x > 50 ? "yes" : "no",
                probability,
                actual));
        }

        foreach (var hour in rows.GroupBy(r => LogPaths.HourOf(r.Time)))
        {
            var text = new StringBuilder();
            foreach (var row in hour)
            {
                text.Append(Record(row).ToString(Newtonsoft.Json.Formatting.None)).Append('\n');
            }

            await UploadAsync(LogPaths.PredictionsContainer, LogPaths.PredictionBlob(Model, hour.Key, "test", Interlocked.Increment(ref _sequence)), text.ToString());
        }

        Rows.AddRange(rows);
    }

    /// <summary>Sends the labels of the rows chosen, received at <paramref name="received"/>.</summary>
    public async Task FeedbackAsync(IEnumerable<LoggedRow> rows, DateTimeOffset received)
    {
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.Append(new JObject
            {
                ["schema_version"] = 1,
                ["request_id"] = row.RequestId,
                ["row"] = 0,
                ["label"] = row.Actual,
                ["time"] = received.UtcDateTime.ToString(PredictionLogSchema.TimeFormat, CultureInfo.InvariantCulture),
            }.ToString(Newtonsoft.Json.Formatting.None)).Append('\n');
        }

        await UploadAsync(LogPaths.FeedbackContainer, LogPaths.FeedbackBlob(Model, received, "test", Interlocked.Increment(ref _sequence)), text.ToString());
    }

    public async Task<JObject?> ReportsJsonAsync(string name)
    {
        var blob = Blobs.GetBlobContainerClient(ReportPaths.Container).GetBlobClient(name);
        return await blob.ExistsAsync() ? JObject.Parse((await blob.DownloadContentAsync()).Value.Content.ToString()) : null;
    }

    private JObject Record(LoggedRow row)
    {
        var record = new JObject
        {
            ["schema_version"] = 1,
            ["request_id"] = row.RequestId,
            ["row"] = row.Failed ? null : 0,
            ["rows"] = 1,
            ["time"] = row.Time.UtcDateTime.ToString(PredictionLogSchema.TimeFormat, CultureInfo.InvariantCulture),
            ["model"] = Model,
            ["version"] = "1",
            ["route"] = row.Route,
            ["protocol"] = "v1",
            ["latency_ms"] = row.LatencyMs,
            ["status"] = row.Failed ? "bad_request" : "ok",
            ["sample_rate"] = 1.0,
            ["features"] = new JObject { ["x"] = row.X, ["c"] = row.C },
            ["context"] = new JObject { ["group"] = row.Group },
        };
        if (row.Failed)
        {
            record["error"] = "bad input";
        }
        else
        {
            record["outputs"] = new JObject { ["label"] = row.Predicted, ["probability"] = row.Probability };
        }

        return record;
    }

    private async Task UploadAsync(string container, string name, string text)
    {
        var client = Blobs.GetBlobContainerClient(container);
        await client.CreateIfNotExistsAsync();
        await client.GetBlobClient(name).UploadAsync(BinaryData.FromString(text), overwrite: true);
    }
}
