using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Azure.Storage.Blobs;
using Newtonsoft.Json.Linq;
using ServerlessML.DevHost.Http;
using ServerlessML.Logging;
using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>
/// The monitoring report end to end: the Adult model deployed with a reference.csv, traffic and labels sent over
/// HTTP, the timer fired, and report.json read back from storage and checked against what was sent.
/// </summary>
[Collection(ServerlessMLAppCollection.Name)]
public sealed class MonitoringTests(ServerlessMLApp app)
{
    private static readonly string[] Features =
    [
        "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation", "relationship",
        "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country",
    ];

    private static readonly HashSet<string> NumericFeatures = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"];

    /// <summary>Complete rows of adult.data (no '?'): features and whether income is over 50K.</summary>
    private static List<(string[] Values, bool Label)> AdultRows(int count) =>
        File.ReadLines(ServerlessMLApp.SampleFile("data", "adult.data"))
            .Where(line => line.Length > 0 && !line.Contains('?', StringComparison.Ordinal))
            .Take(count)
            .Select(line => line.Split(',').Select(v => v.Trim()).ToArray())
            .Select(v => (v[..14], v[14] == ">50K"))
            .ToList();

    private static byte[] Package()
    {
        var reference = new StringBuilder(string.Join(",", Features) + ",income_over_50k\n");
        foreach (var (values, label) in AdultRows(1000))
        {
            reference.Append(string.Join(",", values)).Append(',').Append(label ? "true" : "false").Append('\n');
        }

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            zip.CreateEntryFromFile(ServerlessMLApp.SampleFile("model.onnx"), "model.onnx");
            zip.CreateEntryFromFile(ServerlessMLApp.SampleFile("serverlessml.json"), "serverlessml.json");
            using var writer = new StreamWriter(zip.CreateEntry("reference.csv").Open());
            writer.Write(reference.ToString());
        }

        return buffer.ToArray();
    }

    private static JObject Instance(string[] values, int ageShift)
    {
        var instance = new JObject();
        for (int i = 0; i < Features.Length; i++)
        {
            instance[Features[i]] = NumericFeatures.Contains(Features[i])
                ? double.Parse(values[i], CultureInfo.InvariantCulture) + (Features[i] == "age" ? ageShift : 0)
                : values[i];
        }

        return instance;
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string json, string? requestId = null)
    {
        var content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        message.Headers.Add(HostKeys.KeyHeader, DevHostRun.FunctionKey);
        if (requestId is not null)
        {
            message.Headers.Add("x-request-id", requestId);
        }

        return await app.Run.Client.SendAsync(message);
    }

    [Fact]
    public async Task The_timer_reports_the_traffic_labels_drift_and_groups_that_were_sent()
    {
        string model = $"monitoring-{Guid.NewGuid():N}"[..24];
        await app.UploadAsync("models", $"{model}/1.zip", BinaryData.FromBytes(Package()));
        var store = new RegistryStore(app.Run.Storage);
        var deployed = await Eventually.GetAsync(async () =>
            (await store.ReadRecordAsync(model))?.Record.FindVersion("1") is { State: ModelVersionStates.Ready or ModelVersionStates.Failed } v ? v : null,
            $"{model} to be deployed");
        Assert.True(deployed.State == ModelVersionStates.Ready, deployed.Reason);

        // 4 requests of 10 rows, every age 30 years older than the reference's (drift), one bad request (an error).
        var rows = AdultRows(40);
        var predicted = new List<bool>();
        for (int request = 0; request < 4; request++)
        {
            var body = new JObject { ["instances"] = new JArray(rows.Skip(request * 10).Take(10).Select(r => Instance(r.Values, 30))) };
            using var response = await PostAsync($"v1/models/{model}:predict", body.ToString(), $"{model}-req-{request}");
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            predicted.AddRange(JObject.Parse(text)["predictions"]!.Select(p => (bool)p["label"]!));
        }

        using (var bad = await PostAsync($"v1/models/{model}:predict", """{"instances": "not a list"}""", $"{model}-bad"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        // Labels for the first 20 rows (requests 0 and 1).
        var labels = new JArray(Enumerable.Range(0, 20).Select(i => new JObject { ["id"] = $"{model}-req-{i / 10}", ["row"] = i % 10, ["label"] = rows[i].Label }));
        using (var feedback = await PostAsync($"v1/models/{model}/feedback", new JObject { ["labels"] = labels }.ToString()))
        {
            Assert.True(feedback.IsSuccessStatusCode, await feedback.Content.ReadAsStringAsync());
        }

        // The log is written by a background writer every flush interval: wait until all 41 records are in storage.
        var reader = new PredictionLogReader(app.Run.Storage);
        await Eventually.TrueAsync(
            async () => await reader.ReadAsync(model, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(1)).CountAsync() >= 41,
            "the prediction log to be flushed", TimeSpan.FromSeconds(120));

        using (var run = await app.Run.RunNowAsync("MonitoringReport"))
        {
            Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        }

        // The admin API answers 202 and runs the timer in the background: wait for latest.json.
        var reports = app.Run.Storage.GetBlobContainerClient("reports");
        var latest = await Eventually.GetAsync(() => ReadJsonAsync(reports, $"{model}/latest.json"), $"reports/{model}/latest.json", TimeSpan.FromSeconds(120));
        var version = (JObject)latest["versions"]!.Single(v => (string?)v["version"] == "1");
        var routes = (JObject)version["operations"]!;

        Assert.Equal(1, (int)latest["schemaVersion"]!);
        Assert.Equal(deployed.ModelSha256 ?? deployed.Sha256, (string?)version["modelSha256"]);
        Assert.Equal(5, routes.Properties().Sum(r => (long)r.Value["requests"]!));
        Assert.Equal(1, routes.Properties().Sum(r => (long)r.Value["errors"]!));
        Assert.Equal(4, (long)routes["production"]!["requests"]! - (long)routes["production"]!["errors"]!);
        Assert.Equal((long)routes["production"]!["requests"]!, (long)routes["production"]!["latencyMs"]!["count"]!);
        Assert.Equal(40, (long)version["rows"]!);

        // Performance over the 20 labelled rows, computed here from the answers and the labels sent.
        var performance = version["performance"]!;
        double accuracy = Enumerable.Range(0, 20).Count(i => predicted[i] == rows[i].Label) / 20.0;
        Assert.Equal(20, (long)performance["labeledRows"]!);
        Assert.Equal(20, (long)performance["classification"]!["count"]!);
        Assert.Equal(accuracy, (double)performance["classification"]!["accuracy"]!, 12);

        // Drift against reference.csv: age moved 30 years and is flagged; the report says so in words.
        Assert.Equal("reference profile", (string?)version["driftBaseline"]);
        var age = version["drift"]!["features"]!.Single(f => (string?)f["feature"] == "age");
        Assert.True((bool)age["drifted"]!);
        Assert.Equal(40, (long)age["currentCount"]!);
        Assert.Contains(latest["breaches"]!, b => (string?)b["subject"] == "age" && ((string?)b["sentence"])!.Contains("feature 'age'", StringComparison.Ordinal));

        // Fairness by sex and race: the group sizes are those of the rows sent.
        var fairness = (await ReadJsonAsync(reports, RunFolder(model, latest) + "fairness.json"))!;
        var bySex = fairness["versions"]![0]!["fairness"]!["outcomes"]![0]!["groupings"]!.Single(g => g["features"]!.Values<string>().SequenceEqual(["sex"]));
        long males = rows.Count(r => r.Values[9] == "Male");
        Assert.Equal(males, (long)bySex["groups"]!.Single(g => (string?)g["group"]!["values"]![0] == "Male")["n"]!);
        Assert.NotNull(await ReadJsonAsync(reports, RunFolder(model, latest) + "report.json"));

        // The management API answers the same report, and runs a new one on demand.
        using var answer = await app.Run.GetAsync($"management/models/{model}/reports/latest", KeyKind.Master);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal((string?)latest["generatedUtc"], (string?)Parse(await answer.Content.ReadAsStringAsync())["generatedUtc"]);
        using var rerun = await app.Run.SendAsync(HttpMethod.Post, $"management/models/{model}/reports", KeyKind.Master);
        var fresh = Parse(await rerun.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, rerun.StatusCode);
        Assert.Equal(40, (long)fresh["versions"]!.Single(v => (string?)v["version"] == "1")["rows"]!);
        using var unknown = await app.Run.SendAsync(HttpMethod.Post, "management/models/no-such-model/reports", KeyKind.Master);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static async Task<JObject?> ReadJsonAsync(BlobContainerClient container, string name)
    {
        var blob = container.GetBlobClient(name);
        return await blob.ExistsAsync() ? Parse((await blob.DownloadContentAsync()).Value.Content.ToString()) : null;
    }

    /// <summary>Dates stay the strings they were written as.</summary>
    private static JObject Parse(string json) =>
        Newtonsoft.Json.JsonConvert.DeserializeObject<JObject>(json, new Newtonsoft.Json.JsonSerializerSettings { DateParseHandling = Newtonsoft.Json.DateParseHandling.None })!;

    private static string RunFolder(string model, JObject report)
    {
        var time = DateTimeOffset.Parse((string)report["generatedUtc"]!, CultureInfo.InvariantCulture).UtcDateTime;
        return $"{model}/{time:yyyy'/'MM'/'dd'/'HHmm}/";
    }
}
