using ServerlessML.Deployment;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Tests.Inference;
using static ServerlessML.Testing.Onnx.TestModels;

namespace ServerlessML.Tests.Deployment;

/// <summary>Packages whose model keeps its weights in external-data files: deployed and served, or refused with a reason.</summary>
public class ExternalDataDeploymentTests(DeploymentBenchFixture fixture) : IClassFixture<DeploymentBenchFixture>
{
    private static readonly float[] Input = [2f, -1f, 0.25f, 4f, 1f, 1f, 1f, 1f];

    private DeploymentBench Bench => fixture.Bench;

    [Fact]
    public async Task Zip_with_model_and_weights_file_deploys_and_serves_the_right_answer()
    {
        string model = TestStorage.UniqueName("ext");
        byte[] package = DeploymentBench.Zip(
            (RegistryPaths.ModelFileName, ExternalWeights.Bytes()),
            (ExternalWeights.WeightsFileName, ExternalWeights.WeightsFile()),
            ("smoke/request.json", DeploymentBench.Utf8(ExternalDataTests.V2Request(Input))));

        var outcome = await Bench.DeployAsync($"{model}/1.zip", package);

        Assert.True(outcome.Status == DeploymentStatus.Deployed, outcome.Reason);
        var record = await Bench.RecordAsync(model);
        Assert.Equal((ModelVersionStates.Ready, "1"), (record.FindVersion("1")!.State, record.Traffic.Production));
        Assert.Equal(["model.onnx", "validation.json", "weights.data"], (await Bench.VersionFilesAsync(model, "1")).Order());
        Assert.True(Bench.Serving.Sessions.IsLoaded(model, "1"), "the deployer warmed the version from the registry's files");

        var answer = Json.Parse(await Bench.Serving.Service.InferAsync(new ServingRequest(model, Json.Body(ExternalDataTests.V2Request(Input)))));

        ExternalDataTests.AssertAnswers(Input, answer);
    }

    public static TheoryData<string, string> BadPackages() => new()
    {
        // case, text the reason must contain
        { "location-escapes", "Tensor 'W' of model.onnx keeps its data at external location '../weights.data', which is not a plain file name beside model.onnx" },
        { "location-absolute", "Tensor 'W' of model.onnx keeps its data at external location '/etc/weights.data', which is not a plain file name beside model.onnx" },
        { "weights-missing", "Tensor 'W' of model.onnx keeps its data in the external file 'weights.data', which the package does not hold (its external-data files: none): add 'weights.data' at the top level of the zip" },
        { "weights-misnamed", "the external file 'weights.data', which the package does not hold (its external-data files: weights.bin)" },
        { "bare-onnx", "but a bare .onnx upload carries no other file: upload a .zip" },
    };

    [Theory]
    [MemberData(nameof(BadPackages))]
    public async Task Package_with_unusable_external_data_is_refused_and_changes_nothing_served(string badCase, string reasonPart)
    {
        string model = TestStorage.UniqueName("ext");
        await Bench.DeployAsync($"{model}/1.onnx", DenseNetwork.Bytes());

        var outcome = badCase == "bare-onnx"
            ? await Bench.DeployAsync($"{model}/2.onnx", ExternalWeights.Bytes())
            : await Bench.DeployAsync($"{model}/2.zip", Package(badCase));

        Assert.Equal((DeploymentStatus.Failed, DeploymentSteps.Load), (outcome.Status, outcome.Step));
        Assert.Contains(reasonPart, outcome.Reason!, StringComparison.Ordinal);
        var record = await Bench.RecordAsync(model);
        Assert.Equal(ModelVersionStates.Failed, record.FindVersion("2")!.State);
        Assert.Equal("1", record.Traffic.Production);
        Assert.Empty(await Bench.VersionFilesAsync(model, "2"));
        Assert.False(Bench.Serving.Sessions.IsLoaded(model, "2"));
    }

    private static byte[] Package(string badCase) => badCase switch
    {
        "location-escapes" => DeploymentBench.Zip(
            (RegistryPaths.ModelFileName, ExternalWeights.Bytes("../weights.data")),
            (ExternalWeights.WeightsFileName, ExternalWeights.WeightsFile())),
        "location-absolute" => DeploymentBench.Zip(
            (RegistryPaths.ModelFileName, ExternalWeights.Bytes("/etc/weights.data")),
            (ExternalWeights.WeightsFileName, ExternalWeights.WeightsFile())),
        "weights-missing" => DeploymentBench.Zip((RegistryPaths.ModelFileName, ExternalWeights.Bytes())),
        "weights-misnamed" => DeploymentBench.Zip(
            (RegistryPaths.ModelFileName, ExternalWeights.Bytes()),
            ("weights.bin", ExternalWeights.WeightsFile())),
        _ => throw new ArgumentOutOfRangeException(nameof(badCase), badCase, "no such case"),
    };
}
