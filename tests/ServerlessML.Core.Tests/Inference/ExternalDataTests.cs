using System.Globalization;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;
using static ServerlessML.Testing.Onnx.TestModels;

namespace ServerlessML.Tests.Inference;

/// <summary>Models whose weights are ONNX external data: read, checked, loaded from bytes plus a folder.</summary>
public sealed class ExternalDataTests : IDisposable
{
    private static readonly float[] Input = [1f, 2f, 3f, 4f, -1f, 0.5f, 0f, 2.25f];

    private readonly string _folder = Directory.CreateTempSubdirectory("serverlessml-external-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Loads_from_bytes_and_a_folder_and_computes_the_reference_answer()
    {
        File.WriteAllBytes(Path.Combine(_folder, ExternalWeights.WeightsFileName), ExternalWeights.WeightsFile());
        byte[] onnx = ExternalWeights.Bytes();

        using var model = OnnxModel.Load("ext", "1", onnx, new ServingOptions(), _folder);
        using var outputs = model.Run([new InferenceTensor(ExternalWeights.InputName, TensorDataType.Fp32, [2, ExternalWeights.Features], Input)], []);

        Assert.Equal([2L, ExternalWeights.Outputs], outputs[0].Shape);
        float[] expected = ExternalWeights.Predict(Input);
        float[] actual = Floats(outputs[0]);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }

        Assert.Equal(onnx.Length + ExternalWeights.WeightsFile().Length, model.SizeBytes);
    }

    [Fact]
    public void Reads_each_external_tensor_with_its_file_offset_and_length()
    {
        var references = ExternalDataReferences.Read(ExternalWeights.Bytes());

        Assert.Equal(
            [new ExternalDataReference("W", "weights.data", 0, 48), new ExternalDataReference("b", "weights.data", 48, 12)],
            references);
        Assert.Equal(["weights.data"], ExternalDataReferences.FileNames(references));
        Assert.Empty(ExternalDataReferences.Read(DenseNetwork.Bytes()));
    }

    [Theory]
    [InlineData("../weights.data")]
    [InlineData("/tmp/weights.data")]
    [InlineData("sub/weights.data")]
    [InlineData("..\\weights.data")]
    [InlineData("..")]
    public void A_location_outside_the_folder_is_refused_before_onnx_runtime_opens_it(string location)
    {
        // The file is there to be found, so only our check can have refused it.
        File.WriteAllBytes(Path.Combine(_folder, ExternalWeights.WeightsFileName), ExternalWeights.WeightsFile());

        var refused = Assert.Throws<ExternalDataException>(() => OnnxModel.Load("ext", "1", ExternalWeights.Bytes(location), new ServingOptions(), _folder));

        Assert.Contains($"Tensor 'W' of model.onnx keeps its data at external location '{location}', which is not a plain file name", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_with_external_data_loaded_without_a_folder_is_refused_naming_the_file()
    {
        var refused = Assert.Throws<ExternalDataException>(() => OnnxModel.Load("ext", "1", ExternalWeights.Bytes(), new ServingOptions()));

        Assert.Contains("Tensor 'W' of model.onnx keeps its data in the external file 'weights.data'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_truncated_weights_file_is_refused_naming_the_tensor_and_file()
    {
        var missing = Assert.Throws<ExternalDataException>(() => OnnxModel.Load("ext", "1", ExternalWeights.Bytes(), new ServingOptions(), _folder));
        Assert.Contains("'weights.data', which is missing", missing.Message, StringComparison.Ordinal);

        File.WriteAllBytes(Path.Combine(_folder, ExternalWeights.WeightsFileName), ExternalWeights.WeightsFile()[..50]);
        var truncated = Assert.Throws<ExternalDataException>(() => OnnxModel.Load("ext", "1", ExternalWeights.Bytes(), new ServingOptions(), _folder));
        Assert.Contains("Tensor 'b' of model.onnx reads bytes 48 to 60 of the external file 'weights.data', which has only 50 bytes", truncated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_protobuf_are_reported_as_unreadable()
    {
        Assert.Throws<InvalidDataException>(() => ExternalDataReferences.Read(Invalid.Truncated()));
    }

    internal static float[] Floats(OutputValue output)
    {
        using var writer = new JTokenWriter();
        writer.WriteStartArray();
        output.WriteElements(writer, 0, output.ElementCount);
        writer.WriteEndArray();
        return writer.Token!.Values<float>().ToArray();
    }

    internal static string V2Request(float[] input) =>
        $$"""{"inputs":[{"name":"{{ExternalWeights.InputName}}","shape":[{{input.Length / ExternalWeights.Features}},{{ExternalWeights.Features}}],"datatype":"FP32","data":[{{string.Join(",", input.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))}}]}]}""";

    internal static void AssertAnswers(float[] input, JObject answer)
    {
        float[] expected = ExternalWeights.Predict(input);
        float[] actual = Json.Floats(answer["outputs"]![0]!["data"]!);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }
}

/// <summary>Serving a registry version with external data: the local copy of its files, reused and deleted.</summary>
public sealed class ExternalDataServingTests : IDisposable
{
    private static readonly float[] Input = [0.5f, -2f, 1f, 3f];

    private readonly string _localModels = Directory.CreateTempSubdirectory("serverlessml-models-").FullName;

    public void Dispose() => Directory.Delete(_localModels, recursive: true);

    [Fact]
    public async Task Serves_the_right_answer_from_a_local_copy_deleted_when_the_session_is_unloaded()
    {
        using var harness = await HarnessAsync(budgetBytes: 1); // every new load unloads the others
        string model = await PublishAsync(harness);

        var answer = Json.Parse(await harness.Service.InferAsync(new ServingRequest(model, Json.Body(ExternalDataTests.V2Request(Input)))));

        ExternalDataTests.AssertAnswers(Input, answer);
        string copy = Assert.Single(Directory.GetDirectories(Path.Combine(_localModels, model, "1")));
        Assert.Equal(ExternalWeights.WeightsFile(), File.ReadAllBytes(Path.Combine(copy, ExternalWeights.WeightsFileName)));
        Assert.Equal(2 * (ExternalWeights.Bytes().Length + ExternalWeights.WeightsFile().Length), harness.Sessions.LoadedBytes);

        string other = await harness.PublishAsync(DenseNetwork.Bytes());
        using (await harness.Sessions.AcquireAsync(other, "1"))
        {
        }

        Assert.False(harness.Sessions.IsLoaded(model, "1"), "the budget of 1 byte unloads the first model");
        Assert.False(Directory.Exists(Path.Combine(_localModels, model)), "unloading deletes the local copy and its model's folder");
    }

    [Fact]
    public async Task Loads_of_one_process_share_a_copy_until_the_last_is_unloaded()
    {
        using var first = await HarnessAsync();
        string model = await PublishAsync(first);
        using var second = await HarnessAsync();
        using (await first.Sessions.AcquireAsync(model, "1"))
        using (await second.Sessions.AcquireAsync(model, "1"))
        {
        }

        string copy = Assert.Single(Directory.GetDirectories(Path.Combine(_localModels, model, "1")));
        first.Dispose();
        Assert.True(File.Exists(Path.Combine(copy, ExternalWeights.WeightsFileName)), "the second session still uses the copy");

        second.Dispose();
        Assert.False(Directory.Exists(Path.Combine(_localModels, model)));
    }

    [Fact]
    public async Task A_local_copy_whose_files_do_not_match_the_registry_is_downloaded_again()
    {
        string model;
        string copy;
        using (var before = await HarnessAsync())
        {
            model = await PublishAsync(before);
            using (await before.Sessions.AcquireAsync(model, "1"))
            {
            }

            copy = Assert.Single(Directory.GetDirectories(Path.Combine(_localModels, model, "1")));
        }

        // What a download cut off by a crash would leave if it wrote in place.
        Directory.CreateDirectory(copy);
        File.WriteAllBytes(Path.Combine(copy, ExternalWeights.WeightsFileName), ExternalWeights.WeightsFile()[..20]);
        using var after = await HarnessAsync();

        var answer = Json.Parse(await after.Service.InferAsync(new ServingRequest(model, Json.Body(ExternalDataTests.V2Request(Input)))));

        ExternalDataTests.AssertAnswers(Input, answer);
        Assert.Equal(ExternalWeights.WeightsFile(), File.ReadAllBytes(Path.Combine(copy, ExternalWeights.WeightsFileName)));
        Assert.Equal([copy], Directory.GetDirectories(Path.Combine(_localModels, model, "1")));
    }

    [Fact]
    public async Task A_version_whose_weights_blob_is_missing_is_unavailable_naming_the_blob()
    {
        using var harness = await HarnessAsync();
        string model = await harness.PublishAsync(ExternalWeights.Bytes());

        var unavailable = await Assert.ThrowsAsync<ServingException>(() => harness.Sessions.AcquireAsync(model, "1"));

        Assert.Equal(ServingErrorCode.Unavailable, unavailable.Code);
        Assert.Contains($"{RegistryPaths.VersionFolder(model, "1")}weights.data, which is missing from the registry container", unavailable.Message, StringComparison.Ordinal);
    }

    private Task<ServingHarness> HarnessAsync(long budgetBytes = 1024L * 1024 * 1024) =>
        ServingHarness.CreateAsync(new ServingOptions { LocalModelsFolder = _localModels, SessionMemoryBudgetBytes = budgetBytes });

    /// <summary>Publishes the model and then its weights file beside it, as the deployer's copy step leaves them.</summary>
    private static async Task<string> PublishAsync(ServingHarness harness)
    {
        string model = TestStorage.UniqueName("ext");
        await harness.Store.Container.GetBlobClient(RegistryPaths.VersionFolder(model, "1") + ExternalWeights.WeightsFileName)
            .UploadAsync(BinaryData.FromBytes(ExternalWeights.WeightsFile()));
        return await harness.PublishAsync(ExternalWeights.Bytes(), model: model);
    }
}
