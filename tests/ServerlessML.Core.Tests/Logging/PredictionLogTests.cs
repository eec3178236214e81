using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;
using ServerlessML.Logging;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Tests.Logging;

public class PredictionLogTests
{
    private static readonly string AdultRoot = RepositoryRoot.Combine("samples", "adult-income");

    private static string AdultV1 => File.ReadAllText(Path.Combine(AdultRoot, "requests", "v1-predict.json"));

    private static string AdultV2 => File.ReadAllText(Path.Combine(AdultRoot, "requests", "v2-infer.json"));

    private static Task<string> PublishAdultAsync(LoggedServing serving, JObject? logging = null)
    {
        var manifest = JObject.Parse(File.ReadAllText(Path.Combine(AdultRoot, "serverlessml.json")));
        if (logging is not null)
        {
            manifest["logging"] = logging;
        }

        return serving.Harness.PublishAsync(File.ReadAllBytes(Path.Combine(AdultRoot, "model.onnx")), manifest.ToString());
    }

    [Fact]
    public async Task V1_rows_land_in_their_hour_partition_with_features_outputs_and_context()
    {
        await using var serving = await LoggedServing.CreateAsync();
        string model = await PublishAdultAsync(serving);

        var response = await serving.PredictAsync(model, AdultV1, requestId: "adult-v1");
        await serving.ShutDownAsync();

        var blob = Assert.Single(await serving.BlobsAsync(model));
        var records = (await serving.RecordsAsync(model)).OrderBy(r => r.Row).ToList();
        Assert.Equal(2, records.Count);
        var match = Regex.Match(blob.Name, $"^{model}/date=(\\d{{4}}-\\d{{2}}-\\d{{2}})/hour=(\\d{{2}})/[a-z0-9-]+-\\d+\\.jsonl$");
        Assert.True(match.Success, blob.Name);
        Assert.Equal(records[0].Time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), match.Groups[1].Value);
        Assert.Equal(records[0].Time.UtcDateTime.ToString("HH", CultureInfo.InvariantCulture), match.Groups[2].Value);
        Assert.Equal(2, blob.Records);
        Assert.Equal(0, blob.Dropped);

        var predictions = (JArray)Json.Parse(response)["predictions"]!;
        var sent = (JArray)JObject.Parse(AdultV1)["instances"]!;
        for (int row = 0; row < 2; row++)
        {
            var record = records[row];
            Assert.Equal((PredictionLogSchema.Version, "adult-v1", row, 2), (record.SchemaVersion, record.RequestId, record.Row, record.Rows));
            Assert.Equal((model, "1", "production", "v1", "ok"), (record.Model, record.Version, record.Route, record.Protocol, record.Status));
            Assert.Null(record.Error);
            Assert.Equal(1.0, record.SampleRate);
            Assert.True(record.LatencyMs > 0);
            Assert.InRange(record.Time, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow);
            // Every feature by its name with the value sent; the passthrough field as context.
            var instance = (JObject)sent[row];
            var features = instance.Properties().Where(p => p.Name != "applicant_id").ToList();
            Assert.Equal(features.Select(p => p.Name).Order(), record.Features.Properties().Select(p => p.Name).Order());
            foreach (var feature in features)
            {
                Assert.True(feature.Value.Type == JTokenType.String
                    ? (string?)record.Features[feature.Name] == (string?)feature.Value
                    : (double)record.Features[feature.Name]! == (double)feature.Value, $"row {row} feature {feature.Name}: {record.Features[feature.Name]}");
            }

            Assert.Equal((string?)instance["applicant_id"], (string?)record.Context["applicant_id"]);
            // The outputs are the row's V1 prediction, by the same roles.
            Assert.True(JToken.DeepEquals(predictions[row], record.Outputs), $"{predictions[row]} vs {record.Outputs}");
            Assert.NotNull(record.Probability);
            Assert.Equal((bool)predictions[row]["label"]!, (bool)record.Label!);
        }
    }

    [Fact]
    public async Task V2_per_column_inputs_are_logged_as_rows_with_the_same_outputs_as_V1()
    {
        await using var serving = await LoggedServing.CreateAsync();
        string model = await PublishAdultAsync(serving);

        await serving.InferAsync(model, AdultV2, requestId: "adult-v2");
        var v1 = Json.Parse(await serving.PredictAsync(model, AdultV1, requestId: "adult-v1"));
        await serving.ShutDownAsync();

        var records = await serving.RecordsAsync(model);
        var v2 = records.Where(r => r.RequestId == "adult-v2").OrderBy(r => r.Row).ToList();
        Assert.Equal([0, 1], v2.Select(r => r.Row!.Value));
        Assert.All(v2, r => Assert.Equal(("v2", 2), (r.Protocol, r.Rows)));
        var inputs = (JArray)JObject.Parse(AdultV2)["inputs"]!;
        for (int row = 0; row < 2; row++)
        {
            Assert.Equal(inputs.Count, v2[row].Features.Count);
            foreach (var input in inputs)
            {
                var sent = input["data"]![row]!;
                var logged = v2[row].Features[(string)input["name"]!]!;
                // FP32 data comes back as the float the model saw (50 as 50.0).
                Assert.True(sent.Type == JTokenType.String ? (string?)sent == (string?)logged : (double)sent == (double)logged, $"{input["name"]} row {row}: {logged}");
            }

            Assert.True(JToken.DeepEquals(v1["predictions"]![row], v2[row].Outputs));
            Assert.Empty(v2[row].Context);
        }
    }

    [Fact]
    public async Task One_unnamed_matrix_input_is_logged_as_numbered_features()
    {
        await using var serving = await LoggedServing.CreateAsync();
        string model = await serving.Harness.PublishAsync(TestModels.DenseNetwork.Bytes());
        float[] input = [0.5f, -1f, 2f, 0.25f, -0.3f, 0.8f, 0f, 1.5f];

        await serving.InferAsync(model, $$"""{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[{{string.Join(",", input.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))}}]}]}""");
        await serving.ShutDownAsync();

        var records = (await serving.RecordsAsync(model)).OrderBy(r => r.Row).ToList();
        float[] expected = TestModels.DenseNetwork.Predict(input);
        for (int row = 0; row < 2; row++)
        {
            Assert.Equal(["0", "1", "2", "3"], records[row].Features.Properties().Select(p => p.Name));
            Assert.Equal(input.Skip(row * 4).Take(4), records[row].Features.Properties().Select(p => (float)p.Value));
            // No manifest: the output is a probability vector by its name, as V1 answers it.
            var probabilities = records[row].Outputs!["probabilities"]!.Values<float>().ToArray();
            Assert.Equal(3, probabilities.Length);
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(expected[(row * 3) + c], probabilities[c], 1e-5f);
            }
        }
    }

    [Fact]
    public async Task Tensors_that_do_not_split_into_rows_are_logged_as_one_record_of_summaries()
    {
        await using var serving = await LoggedServing.CreateAsync();
        string model = await serving.Harness.PublishAsync(TestModels.AllTypesIdentity.Bytes());
        // in_fp32 has 3 rows, every other input 1: no common row dimension.
        float[] floats = Enumerable.Range(0, 300).Select(i => i * 0.5f).ToArray();
        string[] words = ["a", "bbb", "cc"];
        string inputs = string.Join(",", TestModels.AllTypesIdentity.Datatypes.Select(d => d.Datatype switch
        {
            "FP32" => $$"""{"name":"{{d.InputName}}","shape":[3,100],"datatype":"FP32","data":[{{string.Join(",", floats.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))}}]}""",
            "BYTES" => $$"""{"name":"{{d.InputName}}","shape":[1,3],"datatype":"BYTES","data":["a","bbb","cc"]}""",
            "BOOL" => $$"""{"name":"{{d.InputName}}","shape":[1,3],"datatype":"BOOL","data":[true,false,true]}""",
            _ => $$"""{"name":"{{d.InputName}}","shape":[1,3],"datatype":"{{d.Datatype}}","data":[1,2,6]}""",
        }));

        await serving.InferAsync(model, $$"""{"inputs":[{{inputs}}]}""", requestId: "whole");
        await serving.ShutDownAsync();

        var record = Assert.Single(await serving.RecordsAsync(model));
        Assert.Null(record.Row);
        Assert.Equal("ok", record.Status);
        var fp32 = (JObject)record.Features["in_fp32"]!;
        Assert.Equal([3L, 100L], fp32["shape"]!.Values<long>());
        Assert.Equal(300, (int)fp32["count"]!);
        Assert.Equal(floats.Average(), (double)fp32["mean"]!, 1e-9);
        Assert.Equal((0.0, 149.5), ((double)fp32["min"]!, (double)fp32["max"]!));
        var bytes = (JObject)record.Features["in_bytes"]!;
        Assert.Equal((3, 1, 3), ((int)bytes["count"]!, (int)bytes["min_length"]!, (int)bytes["max_length"]!));
        Assert.Equal(words.Average(w => w.Length), (double)bytes["mean_length"]!, 1e-9);
        Assert.Equal(2.0 / 3, (double)record.Features["in_bool"]!["mean"]!, 1e-9);
        Assert.Equal(3.0, (double)record.Features["in_int64"]!["mean"]!, 1e-9);
        // Outputs too: the identity's FP32 output summarized like its input.
        Assert.Equal(floats.Average(), (double)record.Outputs!["out_fp32"]!["mean"]!, 1e-9);
        Assert.Equal(13, record.Outputs.Count);
    }

    [Fact]
    public async Task A_wide_unnamed_row_is_summarized_per_row()
    {
        await using var serving = await LoggedServing.CreateAsync();
        string model = await serving.Harness.PublishAsync(TestModels.AllTypesIdentity.Bytes());
        // Two rows everywhere; in_fp32 is 100 wide, more than a field may hold.
        string inputs = string.Join(",", TestModels.AllTypesIdentity.Datatypes.Select(d => d.Datatype switch
        {
            "FP32" => $$"""{"name":"{{d.InputName}}","shape":[2,100],"datatype":"FP32","data":[{{string.Join(",", Enumerable.Range(0, 200))}}]}""",
            "BYTES" => $$"""{"name":"{{d.InputName}}","shape":[2,1],"datatype":"BYTES","data":["x","y"]}""",
            "BOOL" => $$"""{"name":"{{d.InputName}}","shape":[2,1],"datatype":"BOOL","data":[true,false]}""",
            _ => $$"""{"name":"{{d.InputName}}","shape":[2,1],"datatype":"{{d.Datatype}}","data":[4,5]}""",
        }));

        await serving.InferAsync(model, $$"""{"inputs":[{{inputs}}]}""");
        await serving.ShutDownAsync();

        var records = (await serving.RecordsAsync(model)).OrderBy(r => r.Row).ToList();
        Assert.Equal(2, records.Count);
        var second = records[1];
        Assert.Equal([100L], second.Features["in_fp32"]!["shape"]!.Values<long>());
        Assert.Equal(Enumerable.Range(100, 100).Average(), (double)second.Features["in_fp32"]!["mean"]!, 1e-9);
        Assert.Equal("y", (string?)second.Features["in_bytes"]);
        Assert.Equal(5L, (long)second.Features["in_int8"]!);
        Assert.Equal(199.0, (double)second.Outputs!["out_fp32"]!["max"]!);
        Assert.Equal(5L, (long)second.Outputs["out_int64"]!);
    }

    [Fact]
    public async Task Shadow_copies_are_logged_with_route_shadow_beside_the_production_rows()
    {
        await using var serving = await LoggedServing.CreateAsync();
        string model = await serving.Harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "a");
        await serving.Harness.PublishAsync(TestModels.FixedShape.Bytes(), version: "b", model: model);
        var traffic = new TrafficSwitch(serving.Harness.Store, serving.Harness.Records);
        await traffic.SetTrafficAsync(model, new TrafficChange { Production = "a", Shadow = "b" });

        await serving.InferAsync(model, """{"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]}""", requestId: "shadowed");
        // The shadow runs after the answer: wait until its rows are buffered too.
        await Eventually.TrueAsync(() => Task.FromResult(serving.Log.BufferedRecords == 4), "the shadow run's records to be buffered");
        await serving.ShutDownAsync();

        var records = await serving.RecordsAsync(model);
        Assert.Equal(4, records.Count);
        Assert.All(records, r => Assert.Equal("shadowed", r.RequestId));
        Assert.Equal(["a", "a"], records.Where(r => r.Route == "production").Select(r => r.Version));
        Assert.Equal(["b", "b"], records.Where(r => r.Route == "shadow").Select(r => r.Version));
        var shadowRow = records.Single(r => r.Route == "shadow" && r.Row == 1);
        Assert.Equal([8f, 10f, 12f], shadowRow.Outputs!["y"]!.Values<float>());
        Assert.Equal(["0", "1", "2"], shadowRow.Features.Properties().Select(p => p.Name));
        Assert.Equal([4f, 5f, 6f], shadowRow.Features.Properties().Select(p => (float)p.Value));
    }

    [Fact]
    public async Task A_failed_request_is_one_record_with_its_error_and_no_row()
    {
        await using var serving = await LoggedServing.CreateAsync();
        string model = await serving.Harness.PublishAsync(TestModels.DenseNetwork.Bytes());

        var refused = await Assert.ThrowsAsync<ServingException>(() =>
            serving.InferAsync(model, """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,"2",3,4]}]}""", requestId: "bad-1"));
        await Assert.ThrowsAsync<ServingException>(() => serving.InferAsync("no-such-model-" + model, "{}", requestId: "bad-2"));
        await serving.ShutDownAsync();

        var record = Assert.Single(await serving.RecordsAsync(model));
        Assert.Equal(("bad-1", "bad_request", refused.Message), (record.RequestId, record.Status, record.Error));
        Assert.Null(record.Row);
        Assert.Equal(("1", "production", "v2"), (record.Version, record.Route, record.Protocol));
        Assert.True(record.IsError);
        Assert.Empty(record.Features);
        Assert.Null(record.Outputs);
        // An unknown model gets no partition of its own.
        Assert.Empty(await serving.RecordsAsync("no-such-model-" + model));
    }

    [Fact]
    public async Task Sampling_keeps_whole_requests_at_the_manifest_rate()
    {
        await using var serving = await LoggedServing.CreateAsync();
        string model = await serving.Harness.PublishAsync(TestModels.DenseNetwork.Bytes(), """{"logging":{"sampleRate":0.3}}""");
        const int requests = 2_000;

        for (int i = 0; i < requests; i++)
        {
            await serving.InferAsync(model, """{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]}]}""", requestId: $"sampled-{i}");
        }

        await serving.ShutDownAsync();

        var byRequest = (await serving.RecordsAsync(model)).GroupBy(r => r.RequestId).ToDictionary(g => g.Key, g => g.ToList());
        // Whole requests: both rows of every kept request, none of the others.
        Assert.All(byRequest.Values, rows => Assert.Equal([0, 1], rows.Select(r => r.Row!.Value).Order()));
        Assert.All(byRequest.Values.SelectMany(r => r), r => Assert.Equal(0.3, r.SampleRate));
        var expected = Enumerable.Range(0, requests).Select(i => $"sampled-{i}").Where(id => PredictionSampling.Keeps(id, 0.3)).ToHashSet();
        Assert.True(expected.SetEquals(byRequest.Keys));
        // 2,000 requests at 0.3: mean 600, sd 20.5; 600 +- 100 (about 5 sd) holds unless the hash is biased.
        Assert.InRange(byRequest.Count, 500, 700);
    }

    [Fact]
    public async Task Excluded_fields_are_never_stored_and_hashed_fields_are_salted_SHA256()
    {
        var logging = JObject.Parse("""{"exclude":["fnlwgt","zip"],"hash":["sex","applicant_id"]}""");
        string request = AdultV1.Replace("\"applicant_id\": \"sample-1\"", "\"applicant_id\": \"sample-1\", \"zip\": \"90210\"", StringComparison.Ordinal);
        await using var salted = await LoggedServing.CreateAsync(new PredictionLogOptions { HashSalt = "pepper" });
        await using var unsalted = await LoggedServing.CreateAsync();
        string saltedModel = await PublishAdultAsync(salted, logging);
        string unsaltedModel = await PublishAdultAsync(unsalted, logging);

        await salted.PredictAsync(saltedModel, request);
        await unsalted.PredictAsync(unsaltedModel, request);
        await salted.ShutDownAsync();
        await unsalted.ShutDownAsync();

        var first = (await salted.RecordsAsync(saltedModel)).Single(r => r.Row == 0);
        Assert.False(first.Features.ContainsKey("fnlwgt"));
        Assert.False(first.Context.ContainsKey("zip"));
        Assert.Equal(13, first.Features.Count);
        Assert.Equal(HexHmac("pepper", "Male"), (string?)first.Features["sex"]);
        Assert.Equal(HexHmac("pepper", "sample-1"), (string?)first.Context["applicant_id"]);
        Assert.Equal("White", (string?)first.Features["race"]);
        var plain = (await unsalted.RecordsAsync(unsaltedModel)).Single(r => r.Row == 0);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("Male"u8)), (string?)plain.Features["sex"]);
        Assert.True(unsalted.Logs.Contains("stored as plain SHA-256"));
    }

    private static string HexHmac(string key, string value) =>
        Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes(value)));

    [Fact]
    public async Task A_full_buffer_drops_and_counts_records_without_blocking_requests()
    {
        await using var serving = await LoggedServing.CreateAsync(new PredictionLogOptions { Capacity = 3 });
        string model = await serving.Harness.PublishAsync(TestModels.DenseNetwork.Bytes());

        // The writer is held back: nothing leaves the buffer while the requests are served.
        for (int i = 0; i < 5; i++)
        {
            var response = await serving.InferAsync(model, """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", requestId: $"full-{i}");
            Assert.Equal("1", response.ModelVersion);
        }

        Assert.Equal(3, serving.Log.BufferedRecords);
        Assert.Equal(2, serving.Log.DroppedRecords);
        Assert.Equal(2, serving.Drops.ByModel[model]);
        Assert.True(serving.Logs.Contains("are being dropped: the buffer is full"));
        await serving.ShutDownAsync();

        var blob = Assert.Single(await serving.BlobsAsync(model));
        Assert.Equal((3, 2), (blob.Records, blob.Dropped));
        Assert.Equal(["full-0", "full-1", "full-2"], (await serving.RecordsAsync(model)).Select(r => r.RequestId).Order());
        Assert.True(serving.Logs.Contains($"2 prediction log records of model {model} were dropped"));
    }

    [Fact]
    public async Task Records_whose_write_fails_are_dropped_and_counted_not_lost_silently()
    {
        await using var serving = await LoggedServing.CreateAsync();
        string model = await serving.Harness.PublishAsync(TestModels.DenseNetwork.Bytes());
        // A storage account nobody listens on, and no retries: every write fails at once.
        var nowhere = new Azure.Storage.Blobs.BlobServiceClient(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;",
            new Azure.Storage.Blobs.BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(5) } });
        using var loggers = LoggerFactory.Create(b => b.AddProvider(serving.Logs));
        var writer = new PredictionLogWriter(serving.Log, nowhere, new LogBlobSequence("nowhere", 1), loggers.CreateLogger<PredictionLogWriter>());

        await serving.InferAsync(model, """{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]}]}""");
        serving.Log.Complete();
        await writer.RunAsync();

        Assert.Equal(2, serving.Log.DroppedRecords);
        Assert.Equal(2, serving.Drops.ByModel[model]);
        Assert.True(serving.Logs.Contains($"Could not write 2 prediction log records of model {model}"));
        Assert.Equal(0, writer.BlobsWritten);
    }

    [Fact]
    public async Task Shutdown_writes_everything_buffered_before_the_interval_is_up()
    {
        await using var serving = await LoggedServing.CreateAsync(new PredictionLogOptions { FlushInterval = TimeSpan.FromHours(1) });
        string model = await serving.Harness.PublishAsync(TestModels.DenseNetwork.Bytes());
        serving.StartWriter();

        for (int i = 0; i < 10; i++)
        {
            await serving.InferAsync(model, """{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]}]}""");
        }

        Assert.Empty(await serving.BlobsAsync(model));
        await serving.ShutDownAsync();

        var blob = Assert.Single(await serving.BlobsAsync(model));
        Assert.Equal(20, blob.Records);
        Assert.Equal(20, (await serving.RecordsAsync(model)).Count);
        Assert.Equal(0, serving.Log.DroppedRecords);
    }

    [Fact]
    public async Task A_batch_is_written_as_soon_as_it_holds_the_record_limit()
    {
        await using var serving = await LoggedServing.CreateAsync(new PredictionLogOptions { FlushInterval = TimeSpan.FromHours(1), MaxBatchRecords = 4 });
        string model = await serving.Harness.PublishAsync(TestModels.DenseNetwork.Bytes());
        serving.StartWriter();

        for (int i = 0; i < 5; i++)
        {
            await serving.InferAsync(model, """{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]}]}""");
        }

        // Two full batches go out while the log is open; the last two rows wait for shutdown.
        var full = await Eventually.GetAsync(async () => await serving.BlobsAsync(model) is { Count: 2 } blobs ? blobs : null, "two full batches to be written");
        Assert.All(full, b => Assert.Equal(4, b.Records));
        await serving.ShutDownAsync();

        Assert.Equal([2L, 4L, 4L], (await serving.BlobsAsync(model)).Select(b => b.Records).Order());
    }

    [Fact]
    public async Task The_reader_returns_the_records_of_a_window_across_hours_and_days()
    {
        var clock = new ManualClock(new DateTimeOffset(2025, 3, 1, 23, 59, 30, TimeSpan.Zero));
        await using var serving = await LoggedServing.CreateAsync(clock: clock);
        string model = await serving.Harness.PublishAsync(TestModels.DenseNetwork.Bytes());
        const string request = """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""";
        var times = new Dictionary<string, DateTimeOffset>
        {
            ["late-day-1"] = new(2025, 3, 1, 23, 59, 30, TimeSpan.Zero),
            ["midnight"] = new(2025, 3, 2, 0, 0, 10, TimeSpan.Zero),
            ["hour-1"] = new(2025, 3, 2, 1, 45, 0, TimeSpan.Zero),
            ["hour-3"] = new(2025, 3, 2, 3, 0, 0, TimeSpan.Zero),
            ["day-3"] = new(2025, 3, 3, 0, 30, 0, TimeSpan.Zero),
        };
        foreach (var (id, time) in times)
        {
            clock.Now = time;
            await serving.InferAsync(model, request, requestId: id);
        }

        await serving.ShutDownAsync();

        async Task<List<string>> ReadAsync(DateTimeOffset from, DateTimeOffset to)
        {
            var ids = new List<string>();
            await foreach (var record in serving.Reader.ReadAsync(model, from, to))
            {
                ids.Add(record.RequestId);
            }

            return [.. ids.Order()];
        }

        Assert.Equal(["late-day-1", "midnight"], await ReadAsync(new(2025, 3, 1, 23, 0, 0, TimeSpan.Zero), new(2025, 3, 2, 1, 30, 0, TimeSpan.Zero)));
        Assert.Equal(["hour-1", "hour-3", "midnight"], await ReadAsync(new(2025, 3, 2, 0, 0, 0, TimeSpan.Zero), new(2025, 3, 3, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(times.Keys.Order(), await ReadAsync(new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), new(2025, 3, 4, 0, 0, 0, TimeSpan.Zero)));
        var blobs = new List<string>();
        await foreach (var blob in serving.Reader.ListBlobsAsync(model, new(2025, 3, 2, 0, 0, 0, TimeSpan.Zero), new(2025, 3, 2, 2, 0, 0, TimeSpan.Zero)))
        {
            blobs.Add(blob.Name);
        }

        Assert.Equal(2, blobs.Count);
        Assert.Contains(blobs, b => b.StartsWith($"{model}/date=2025-03-02/hour=00/", StringComparison.Ordinal));
        Assert.Contains(blobs, b => b.StartsWith($"{model}/date=2025-03-02/hour=01/", StringComparison.Ordinal));
    }
}
