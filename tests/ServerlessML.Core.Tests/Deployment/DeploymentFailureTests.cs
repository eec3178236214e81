using Newtonsoft.Json.Linq;
using ServerlessML.Deployment;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Tests.Deployment;

/// <summary>
/// Every way an upload can be bad: each is refused with a reason that names the problem, recorded as a
/// failed version and a failed event, and changes nothing that is served.
/// </summary>
public class DeploymentFailureTests(DeploymentBenchFixture fixture) : IClassFixture<DeploymentBenchFixture>
{
    private DeploymentBench Bench => fixture.Bench;

    public static TheoryData<string, string, string, string> BadUploads() => new()
    {
        // case, file name, expected step, text the reason must contain
        { "corrupt", "2.onnx", DeploymentSteps.Load, "ONNX Runtime cannot load model.onnx" },
        { "empty", "2.onnx", DeploymentSteps.Size, "empty" },
        { "csv", "2.onnx", DeploymentSteps.Load, "ONNX Runtime cannot load model.onnx" },
        { "unknown-operator", "2.onnx", DeploymentSteps.Load, "NoSuchOperator" },
        { "zip-named-onnx", "2.onnx", DeploymentSteps.Unpack, "is a zip archive" },
        { "not-a-zip", "2.zip", DeploymentSteps.Unpack, "not a zip archive" },
        { "path-traversal", "2.zip", DeploymentSteps.Unpack, "'../evil.onnx' points outside the package (path traversal)" },
        { "absolute-path", "2.zip", DeploymentSteps.Unpack, "'/etc/model.onnx' is an absolute path" },
        { "stray-file", "2.zip", DeploymentSteps.Unpack, "'notes.txt' is not part of a model package" },
        { "nested-folder", "2.zip", DeploymentSteps.Unpack, "must be at the top level" },
        { "no-model", "2.zip", DeploymentSteps.Unpack, "no model.onnx" },
        { "manifest-not-json", "2.zip", DeploymentSteps.Manifest, "serverlessml.json is not valid JSON" },
        { "feature-not-an-input", "2.zip", DeploymentSteps.Manifest, "features[0].name is 'agee', which is not an input of the model" },
        { "feature-type-mismatch", "2.zip", DeploymentSteps.Manifest, "features[1].type is 'float', but input 'workclass' is BYTES" },
        { "output-role-missing", "2.zip", DeploymentSteps.Manifest, "outputs.probabilities names 'Probability', which is not an output" },
        { "percent-out-of-range", "2.zip", DeploymentSteps.Manifest, "rollout.percent is 150: expected a number from 0 to 100" },
        { "smoke-mismatch", "2.zip", DeploymentSteps.SmokeTest, "predictions[0].probability: expected 0.5, got 0.31784" },
        { "smoke-request-refused", "2.zip", DeploymentSteps.SmokeTest, "smoke/request.json was refused as a request would be" },
        { "reference-not-a-number", "2.zip", DeploymentSteps.ReferenceProfile, "line 2, column 'age': 'old' is not a number" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task Bad_upload_is_recorded_as_failed_and_leaves_production_serving(string badCase, string fileName, string step, string reasonPart)
    {
        string model = TestStorage.UniqueName("bad");
        await Bench.DeployAsync($"{model}/1.onnx", AdultSample.Model());
        var before = await Bench.RecordAsync(model);

        var outcome = await Bench.DeployAsync($"{model}/{fileName}", Content(badCase));

        Assert.Equal(DeploymentStatus.Failed, outcome.Status);
        Assert.Equal(step, outcome.Step);
        Assert.Contains(reasonPart, outcome.Reason!, StringComparison.Ordinal);
        var record = await Bench.RecordAsync(model);
        var failed = record.FindVersion("2")!;
        Assert.Equal((ModelVersionStates.Failed, step), (failed.State, failed.FailedStep));
        Assert.Contains(reasonPart, failed.Reason!, StringComparison.Ordinal);
        Assert.Equal("1", record.Traffic.Production);
        Assert.Equal((before.Traffic.Canary, before.Traffic.Shadow), (record.Traffic.Canary, record.Traffic.Shadow));
        Assert.Equal(ModelVersionStates.Ready, record.FindVersion("1")!.State);
        Assert.Empty(await Bench.VersionFilesAsync(model, "2"));
        var failedEvent = (await Bench.EventsAsync(model))[^1];
        Assert.Equal((RegistryEventKinds.Failed, "2", step), (failedEvent.Kind, failedEvent.Version, failedEvent.Step));
        Assert.Contains(reasonPart, failedEvent.Reason!, StringComparison.Ordinal);
        Assert.Contains(Bench.Observer.Failed, o => o.Model == model && o.Version == "2");
        // Production still answers.
        var answer = Json.Parse(await Bench.Serving.Service.PredictAsync(new ServingRequest(model, Json.Body(AdultSample.V1Request()))));
        Assert.Equal("1", (string?)answer["model_version"]);
    }

    [Theory]
    [InlineData("Bad_Name/1.onnx", "Model name 'Bad_Name' is not allowed")]
    [InlineData("bad name/1.onnx", "Model name 'bad name' is not allowed")]
    public async Task Upload_under_a_model_name_that_is_not_allowed_is_recorded_apart(string blobName, string reasonPart)
    {
        var outcome = await Bench.DeployAsync(blobName, TestModels.DenseNetwork.Bytes());

        Assert.Equal((DeploymentStatus.Failed, DeploymentSteps.Name), (outcome.Status, outcome.Step));
        Assert.Contains(reasonPart, outcome.Reason!, StringComparison.Ordinal);
        var rejected = await Bench.EventsAsync(RegistryEvents.RejectedNamesFolder);
        Assert.Contains(rejected, e => e.Source == $"models/{blobName}" && e.Kind == RegistryEventKinds.Failed && e.Reason!.Contains(reasonPart, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("..onnx", "Version '.' (from blob name '..onnx') is not allowed")]
    [InlineData("1.txt", "does not end in .onnx or .zip")]
    [InlineData("sub/1.onnx", "is in a sub-folder of model")]
    [InlineData("-1.zip", "Version '-1' (from blob name '-1.zip') is not allowed")]
    public async Task Upload_with_a_file_name_that_is_not_allowed_is_recorded_under_its_model(string fileName, string reasonPart)
    {
        string model = TestStorage.UniqueName("name");
        await Bench.DeployAsync($"{model}/1.onnx", TestModels.DenseNetwork.Bytes());

        var outcome = await Bench.DeployAsync($"{model}/{fileName}", TestModels.DenseNetwork.Bytes());

        Assert.Equal((DeploymentStatus.Failed, DeploymentSteps.Name), (outcome.Status, outcome.Step));
        Assert.Contains(reasonPart, outcome.Reason!, StringComparison.Ordinal);
        var record = await Bench.RecordAsync(model);
        Assert.Equal(["1"], record.Versions.Select(v => v.Version));
        var failed = (await Bench.EventsAsync(model))[^1];
        Assert.Equal((RegistryEventKinds.Failed, (string?)null, $"models/{model}/{fileName}"), (failed.Kind, failed.Version, failed.Source));
        Assert.Contains(reasonPart, failed.Reason!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_over_the_size_limit_is_refused_before_it_is_read()
    {
        using var bench = await DeploymentBench.CreateAsync(new DeploymentOptions { MaxPackageBytes = 1024 });
        string model = TestStorage.UniqueName("big");

        var outcome = await bench.DeployAsync($"{model}/1.onnx", AdultSample.Model());

        Assert.Equal((DeploymentStatus.Failed, DeploymentSteps.Size), (outcome.Status, outcome.Step));
        Assert.Contains("over the limit of 1024 bytes", outcome.Reason!, StringComparison.Ordinal);
        var version = (await bench.RecordAsync(model)).FindVersion("1")!;
        Assert.Equal(ModelVersionStates.Failed, version.State);
        Assert.Null(version.Sha256);
        Assert.Null((await bench.RecordAsync(model)).Traffic.Production);
    }

    [Fact]
    public async Task Zip_that_unpacks_past_the_limit_is_refused()
    {
        using var bench = await DeploymentBench.CreateAsync(new DeploymentOptions { MaxUnpackedBytes = 64 * 1024 });
        string model = TestStorage.UniqueName("bomb");
        // Zeros compress a thousandfold: a small blob that unpacks far past the limit.
        byte[] package = DeploymentBench.Zip((RegistryPaths.ModelFileName, TestModels.DenseNetwork.Bytes()), ("weights.data", new byte[1024 * 1024]));

        var outcome = await bench.DeployAsync($"{model}/1.zip", package);

        Assert.Equal((DeploymentStatus.Failed, DeploymentSteps.Unpack), (outcome.Status, outcome.Step));
        Assert.Contains("unpacks to more than the limit of 65536 bytes", outcome.Reason!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Zip_with_more_entries_than_allowed_is_refused()
    {
        using var bench = await DeploymentBench.CreateAsync(new DeploymentOptions { MaxZipEntries = 3 });
        string model = TestStorage.UniqueName("many");
        byte[] package = DeploymentBench.Zip(Enumerable.Range(0, 4).Select(i => ($"part{i}.data", new byte[] { 1 })).Prepend((RegistryPaths.ModelFileName, TestModels.DenseNetwork.Bytes())).ToArray());

        var outcome = await bench.DeployAsync($"{model}/1.zip", package);

        Assert.Equal(DeploymentSteps.Unpack, outcome.Step);
        Assert.Contains("5 entries, more than the limit of 3", outcome.Reason!, StringComparison.Ordinal);
    }

    private static byte[] Content(string badCase)
    {
        byte[] model = AdultSample.Model();
        return badCase switch
        {
            "corrupt" => TestModels.Invalid.Truncated(),
            "empty" => TestModels.Invalid.Empty(),
            "csv" => TestModels.Invalid.NotAModel(),
            "unknown-operator" => TestModels.Invalid.UnknownOperator(),
            "zip-named-onnx" => DeploymentBench.Zip((RegistryPaths.ModelFileName, model)),
            "not-a-zip" => model,
            "path-traversal" => DeploymentBench.Zip((RegistryPaths.ModelFileName, model), ("../evil.onnx", model)),
            "absolute-path" => DeploymentBench.Zip(("/etc/model.onnx", model)),
            "stray-file" => DeploymentBench.Zip((RegistryPaths.ModelFileName, model), ("notes.txt", DeploymentBench.Utf8("hi"))),
            "nested-folder" => DeploymentBench.Zip(("adult/model.onnx", model)),
            "no-model" => DeploymentBench.Zip((RegistryPaths.ManifestFileName, DeploymentBench.Utf8("{}"))),
            "manifest-not-json" => WithManifest(model, "{\"task\": \"regression\","),
            "feature-not-an-input" => WithManifest(model, AdultSample.ManifestWith(m => m["features"]![0]!["name"] = "agee")),
            "feature-type-mismatch" => WithManifest(model, AdultSample.ManifestWith(m => m["features"]![1] = JObject.Parse("""{"name":"workclass","type":"float"}"""))),
            "output-role-missing" => WithManifest(model, AdultSample.ManifestWith(m => m["outputs"]!["probabilities"] = "Probability")),
            "percent-out-of-range" => WithManifest(model, AdultSample.ManifestWith(m => m["rollout"] = JObject.Parse("""{"strategy":"canary","percent":150}"""))),
            "smoke-mismatch" => AdultSample.Zip(referenceRows: 50, expected: AdultSample.Expected().Replace("0.3178424537181854", "0.5", StringComparison.Ordinal)),
            "smoke-request-refused" => DeploymentBench.Zip((RegistryPaths.ModelFileName, model),
                ("smoke/request.json", DeploymentBench.Utf8("""{"inputs":[{"name":"age","shape":[1,1],"datatype":"FP32","data":[40]}]}"""))),
            "reference-not-a-number" => DeploymentBench.Zip((RegistryPaths.ModelFileName, model), (RegistryPaths.ManifestFileName, DeploymentBench.Utf8(AdultSample.Manifest())),
                ("reference.csv", DeploymentBench.Utf8(AdultSample.ReferenceCsv(3).Replace("\n39,", "\nold,", StringComparison.Ordinal)))),
            _ => throw new ArgumentOutOfRangeException(nameof(badCase), badCase, "No such case."),
        };
    }

    private static byte[] WithManifest(byte[] model, string manifest) =>
        DeploymentBench.Zip((RegistryPaths.ModelFileName, model), (RegistryPaths.ManifestFileName, DeploymentBench.Utf8(manifest)));
}
