using System.Diagnostics;
using Newtonsoft.Json.Linq;
using ServerlessML.Deployment;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;
using Xunit.Abstractions;

namespace ServerlessML.Tests.Deployment;

public class ModelDeployerTests(DeploymentBenchFixture fixture, ITestOutputHelper output) : IClassFixture<DeploymentBenchFixture>
{
    private DeploymentBench Bench => fixture.Bench;

    private static string NewModel() => TestStorage.UniqueName("dep");

    [Fact]
    public async Task Onnx_upload_becomes_production_with_its_files_events_and_a_warm_session()
    {
        string model = NewModel();
        byte[] onnx = TestModels.DenseNetwork.Bytes();

        var outcome = await Bench.DeployAsync($"{model}/1.onnx", onnx);

        Assert.Equal(DeploymentStatus.Deployed, outcome.Status);
        var record = await Bench.RecordAsync(model);
        Assert.Equal("1", record.Traffic.Production);
        var version = record.FindVersion("1")!;
        Assert.Equal(ModelVersionStates.Ready, version.State);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(onnx)), version.Sha256);
        Assert.Equal(version.Sha256, version.ModelSha256);
        Assert.Equal(RolloutStrategies.Immediate, version.Rollout);
        Assert.Equal(1, version.Summary!.Inputs);
        Assert.False(version.Summary.HasManifest);
        Assert.Equal(["model.onnx", "validation.json"], (await Bench.VersionFilesAsync(model, "1")).Order());
        Assert.Equal(onnx, (await Bench.Store.DownloadVersionFileAsync(model, "1", RegistryPaths.ModelFileName))!.ToArray());
        var events = await Bench.EventsAsync(model);
        Assert.Equal([RegistryEventKinds.Uploaded, RegistryEventKinds.Validated, RegistryEventKinds.Promoted], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal(version.Sha256, e.Sha256));
        Assert.True(Bench.Serving.Sessions.IsLoaded(model, "1"), "the deployer warms the new version on this instance");
        Assert.Contains(Bench.Observer.Deployed, o => o.Model == model && o.Version == "1");
    }

    [Fact]
    public async Task Adult_zip_with_manifest_reference_data_and_smoke_test_deploys_and_serves()
    {
        string model = NewModel();
        byte[] package = AdultSample.Zip(referenceRows: 5000);

        var stopwatch = Stopwatch.StartNew();
        var outcome = await Bench.DeployAsync($"{model}/2024.1.zip", package);
        stopwatch.Stop();
        output.WriteLine($"Adult sample zip ({package.Length} bytes, 5000 reference rows) deployed in {stopwatch.ElapsedMilliseconds} ms; steps: " +
            string.Join(", ", JObject.Parse((await Bench.VersionTextAsync(model, "2024.1", ValidationReport.FileName))!)["steps"]!
                .Select(s => $"{s["step"]} {s["durationMs"]} ms")));

        Assert.True(outcome.Status == DeploymentStatus.Deployed, outcome.Reason);
        var record = await Bench.RecordAsync(model);
        Assert.Equal("2024.1", record.Traffic.Production);
        var summary = record.FindVersion("2024.1")!.Summary!;
        Assert.Equal((ModelTasks.BinaryClassification, 14, true, true, true), (summary.Task, summary.Features, summary.HasManifest, summary.HasReferenceProfile, summary.SmokeTested));
        Assert.Equal(["model.onnx", "reference-profile.json", "serverlessml.json", "validation.json"], (await Bench.VersionFilesAsync(model, "2024.1")).Order());

        var validation = JObject.Parse((await Bench.VersionTextAsync(model, "2024.1", ValidationReport.FileName))!);
        Assert.True((bool)validation["smokeTest"]!["compared"]!);
        Assert.Equal("v1", (string?)validation["smokeTest"]!["protocol"]);
        Assert.Equal(14, ((JArray)validation["signature"]!["inputs"]!).Count);

        string profileJson = (await Bench.VersionTextAsync(model, "2024.1", ReferenceProfile.FileName))!;
        Assert.Equal(5000, (long)JObject.Parse(profileJson)["rows"]!);
        // The file is the Monitoring library's profile: the report reads it with that type.
        var profile = ServerlessML.Monitoring.MonitoringJson.Deserialize<ServerlessML.Monitoring.ReferenceProfile>(profileJson);
        var age = profile.Numeric["age"];
        Assert.Equal(5000L, age.Count);
        Assert.Equal(9, age.Deciles.Count);
        Assert.Equal(5000, age.Data.Histogram.Counts.Sum());
        var sex = profile.Categorical["sex"].Data;
        Assert.Equal(5000, sex.Count);
        Assert.Equal(["Female", "Male"], sex.Counts.Keys.Order());
        Assert.Equal(["false", "true"], profile.Categorical[JObject.Parse(profileJson)["label"]!.Value<string>("column")!].Data.Counts.Keys.Order());

        // What was deployed serves: the sample request through the V1 API gives the sample's answers.
        var answer = Json.Parse(await Bench.Serving.Service.PredictAsync(new ServingRequest(model, Json.Body(AdultSample.V1Request()))));
        Assert.Equal([false, true], answer["predictions"]!.Select(p => (bool)p["label"]!));
    }

    [Fact]
    public async Task Zip_with_a_v2_smoke_test_passes_when_the_outputs_match()
    {
        string model = NewModel();
        byte[] package = DeploymentBench.Zip(
            (RegistryPaths.ModelFileName, AdultSample.Model()),
            ("smoke/request.json", DeploymentBench.Utf8(AdultSample.V2Request())),
            ("smoke/expected.json", DeploymentBench.Utf8(AdultSample.Expected())));

        var outcome = await Bench.DeployAsync($"{model}/1.zip", package);

        Assert.True(outcome.Status == DeploymentStatus.Deployed, outcome.Reason);
        var smoke = JObject.Parse((await Bench.VersionTextAsync(model, "1", ValidationReport.FileName))!)["smokeTest"]!;
        Assert.Equal("v2", (string?)smoke["protocol"]);
        Assert.True((bool)smoke["compared"]!);
        Assert.Equal(3 * (1 + 2 + 2), (int)smoke["valuesCompared"]!); // 3 outputs, each: datatype, 2 shape dims, 2 values
    }

    [Fact]
    public async Task Canary_strategy_gives_the_new_version_its_share_beside_production()
    {
        string model = NewModel();
        await Bench.DeployAsync($"{model}/1.onnx", AdultSample.Model());
        string manifest = AdultSample.ManifestWith(m => m["rollout"] = JObject.Parse("""{"strategy":"canary","percent":25,"promoteAfter":{"minRequests":100}}"""));

        var outcome = await Bench.DeployAsync($"{model}/2.zip", AdultSample.Zip(manifest, referenceRows: 200));

        Assert.True(outcome.Status == DeploymentStatus.Deployed, outcome.Reason);
        var record = await Bench.RecordAsync(model);
        Assert.Equal("1", record.Traffic.Production);
        Assert.Equal("2", record.Traffic.Canary!.Version);
        Assert.Equal(25, record.Traffic.Canary.Percent);
        Assert.NotNull(record.Traffic.Canary.StartedUtc);
        Assert.Empty(record.ProductionHistory);
        var started = (await Bench.EventsAsync(model)).Single(e => e.Kind == RegistryEventKinds.CanaryStarted);
        Assert.Equal("2", started.Version);
        Assert.Equal(100, (long)started.Details!["promoteAfter"]!["minRequests"]!);
    }

    [Fact]
    public async Task Shadow_strategy_mirrors_production_without_taking_its_traffic()
    {
        string model = NewModel();
        await Bench.DeployAsync($"{model}/1.onnx", AdultSample.Model());
        string manifest = AdultSample.ManifestWith(m => m["rollout"] = JObject.Parse("""{"strategy":"shadow"}"""));

        var outcome = await Bench.DeployAsync($"{model}/2.zip", AdultSample.Zip(manifest, referenceRows: 200));

        Assert.True(outcome.Status == DeploymentStatus.Deployed, outcome.Reason);
        var record = await Bench.RecordAsync(model);
        Assert.Equal(("1", "2"), (record.Traffic.Production, record.Traffic.Shadow));
        Assert.Null(record.Traffic.Canary);
        Assert.Contains(await Bench.EventsAsync(model), e => e.Kind == RegistryEventKinds.ShadowStarted && e.Version == "2");
    }

    [Fact]
    public async Task Manual_strategy_leaves_the_version_ready_without_traffic_until_approved()
    {
        string model = NewModel();
        await Bench.DeployAsync($"{model}/1.onnx", AdultSample.Model());
        var before = await Bench.RecordAsync(model);
        string manifest = AdultSample.ManifestWith(m => m["rollout"] = JObject.Parse("""{"strategy":"manual"}"""));

        var outcome = await Bench.DeployAsync($"{model}/2.zip", AdultSample.Zip(manifest, referenceRows: 200));

        Assert.True(outcome.Status == DeploymentStatus.Deployed, outcome.Reason);
        var record = await Bench.RecordAsync(model);
        Assert.Equal(ModelVersionStates.Ready, record.FindVersion("2")!.State);
        Assert.Equal((before.Traffic.Production, before.Traffic.Canary, before.Traffic.Shadow), (record.Traffic.Production, record.Traffic.Canary, record.Traffic.Shadow));
        Assert.Contains(await Bench.EventsAsync(model), e => e.Kind == RegistryEventKinds.AwaitingApproval && e.Version == "2");
        Assert.False(Bench.Serving.Sessions.IsLoaded(model, "2"), "a version without traffic is not loaded");
    }

    [Fact]
    public async Task Canary_without_a_production_version_becomes_production_and_says_why()
    {
        string model = NewModel();
        string manifest = AdultSample.ManifestWith(m => m["rollout"] = JObject.Parse("""{"strategy":"canary","percent":5}"""));

        await Bench.DeployAsync($"{model}/1.zip", AdultSample.Zip(manifest, referenceRows: 100));

        var record = await Bench.RecordAsync(model);
        Assert.Equal("1", record.Traffic.Production);
        Assert.Null(record.Traffic.Canary);
        var promoted = (await Bench.EventsAsync(model)).Single(e => e.Kind == RegistryEventKinds.Promoted);
        Assert.Contains("no", promoted.Reason!, StringComparison.Ordinal);
        Assert.Contains("production", promoted.Reason!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Immediate_rollout_keeps_the_previous_production_for_rollback()
    {
        string model = NewModel();
        await Bench.DeployAsync($"{model}/1.onnx", TestModels.DenseNetwork.Bytes());

        await Bench.DeployAsync($"{model}/2.onnx", TestModels.ZipMapClassifier.Bytes());

        var record = await Bench.RecordAsync(model);
        Assert.Equal("2", record.Traffic.Production);
        Assert.Equal(["1"], record.ProductionHistory);
        Assert.Equal("1", (string?)(await Bench.EventsAsync(model)).Last(e => e.Kind == RegistryEventKinds.Promoted).Details!["previousProduction"]);
    }

    [Fact]
    public async Task Uploading_the_same_bytes_again_is_skipped_and_leaves_the_record_alone()
    {
        string model = NewModel();
        byte[] onnx = TestModels.DenseNetwork.Bytes();
        await Bench.DeployAsync($"{model}/1.onnx", onnx);
        var before = await Bench.Store.ReadRecordAsync(model);

        var again = await Bench.DeployAsync($"{model}/1.onnx", onnx);

        Assert.Equal(DeploymentStatus.Skipped, again.Status);
        var after = await Bench.Store.ReadRecordAsync(model);
        Assert.Equal(before!.ETag, after!.ETag);
        Assert.Equal(RegistryEventKinds.SkippedDuplicate, (await Bench.EventsAsync(model))[^1].Kind);
    }

    [Fact]
    public async Task Changed_content_for_a_registered_version_is_refused_and_the_served_version_stays()
    {
        string model = NewModel();
        byte[] original = TestModels.DenseNetwork.Bytes();
        await Bench.DeployAsync($"{model}/1.onnx", original);
        var before = (await Bench.RecordAsync(model)).FindVersion("1")!;

        var outcome = await Bench.DeployAsync($"{model}/1.onnx", TestModels.FixedShape.Bytes());

        Assert.Equal(DeploymentStatus.Failed, outcome.Status);
        Assert.Equal(DeploymentSteps.VersionCheck, outcome.Step);
        Assert.Contains("immutable", outcome.Reason!, StringComparison.Ordinal);
        var record = await Bench.RecordAsync(model);
        var version = record.FindVersion("1")!;
        Assert.Equal((ModelVersionStates.Ready, before.Sha256), (version.State, version.Sha256));
        Assert.Equal("1", record.Traffic.Production);
        Assert.Equal(original, (await Bench.Store.DownloadVersionFileAsync(model, "1", RegistryPaths.ModelFileName))!.ToArray());
        var failed = (await Bench.EventsAsync(model))[^1];
        Assert.Equal((RegistryEventKinds.Failed, "1"), (failed.Kind, failed.Version));
        Assert.Contains("immutable", failed.Reason!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_that_failed_may_be_uploaded_again_with_fixed_content()
    {
        string model = NewModel();
        await Bench.DeployAsync($"{model}/1.onnx", TestModels.Invalid.Truncated());

        var outcome = await Bench.DeployAsync($"{model}/1.onnx", TestModels.DenseNetwork.Bytes());

        Assert.Equal(DeploymentStatus.Deployed, outcome.Status);
        var version = (await Bench.RecordAsync(model)).FindVersion("1")!;
        Assert.Equal((ModelVersionStates.Ready, (string?)null), (version.State, version.Reason));
    }

    [Fact]
    public async Task Breaking_signature_changes_are_recorded_and_the_version_still_deploys()
    {
        string model = NewModel();
        await Bench.DeployAsync($"{model}/1.onnx", TestModels.DenseNetwork.Bytes());
        byte[] wider = new OnnxGraphBuilder("wider")
            .Input(TestModels.DenseNetwork.InputName, OnnxDataType.Float, TestModels.BatchDimension, 5)
            .Node("Identity", [TestModels.DenseNetwork.InputName], [TestModels.DenseNetwork.OutputName])
            .Output(TestModels.DenseNetwork.OutputName, OnnxDataType.Float, TestModels.BatchDimension, 5)
            .ToBytes();

        var outcome = await Bench.DeployAsync($"{model}/2.onnx", wider);

        Assert.Equal(DeploymentStatus.Deployed, outcome.Status);
        var version = (await Bench.RecordAsync(model)).FindVersion("2")!;
        Assert.Equal(
            ["input 'input' changed dimension 1 from 4 to 5 ([-1, 4] to [-1, 5]).", "output 'probabilities' changed dimension 1 from 3 to 5 ([-1, 3] to [-1, 5])."],
            version.BreakingChanges);
        Assert.Equal("1", version.Summary!.ComparedWith);
        var validated = (await Bench.EventsAsync(model)).Single(e => e.Kind == RegistryEventKinds.Validated && e.Version == "2");
        Assert.Equal(2, validated.Details!["breakingChanges"]!.Count());
        Assert.Equal(2, outcome.BreakingChanges.Count);
    }

    [Fact]
    public async Task Signature_of_a_directly_published_production_is_read_from_its_model()
    {
        string model = NewModel();
        await Bench.Store.PublishAsync(model, "1", BinaryData.FromBytes(TestModels.DenseNetwork.Bytes()));

        await Bench.DeployAsync($"{model}/2.onnx", TestModels.FixedShape.Bytes());

        var version = (await Bench.RecordAsync(model)).FindVersion("2")!;
        Assert.Contains("input 'input' (FP32 [-1, 4]) was removed: requests that send it are refused.", version.BreakingChanges!);
        Assert.Contains("input 'x' (FP32 [2, 3]) was added: requests that do not send it are refused.", version.BreakingChanges!);
    }

    [Fact]
    public async Task Ten_versions_uploaded_at_once_all_end_up_in_the_record()
    {
        string model = NewModel();
        byte[] onnx = TestModels.DenseNetwork.Bytes();
        var blobs = await Task.WhenAll(Enumerable.Range(1, 10).Select(i => Bench.UploadAsync($"{model}/{i}.onnx", onnx)));

        var outcomes = await Task.WhenAll(blobs.Select(b => Bench.Deployer.DeployAsync(b)));

        Assert.All(outcomes, o => Assert.Equal(DeploymentStatus.Deployed, o.Status));
        var record = await Bench.RecordAsync(model);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"{i}").Order(), record.Versions.Select(v => v.Version).Order());
        Assert.All(record.Versions, v => Assert.Equal(ModelVersionStates.Ready, v.State));
        // Every promotion landed: the production and its history hold each version once.
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"{i}").Order(), record.ProductionHistory.Append(record.Traffic.Production!).Order());
    }
}
