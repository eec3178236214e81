using ServerlessML.Inference;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Functions.Tests;

/// <summary>A harness with a small body limit and three published models, shared by a test class.</summary>
public sealed class ServedModels : IAsyncLifetime
{
    public const long BodyLimit = 256 * 1024;

    private ServingHarness? _harness;

    public ServingHarness Harness => _harness!;

    /// <summary>"input" FP32 [-1, 4] → "probabilities".</summary>
    public string Dense { get; private set; } = "";

    /// <summary>"color" BYTES [-1, 1] and "size" FP32 [-1, 1].</summary>
    public string Strings { get; private set; } = "";

    /// <summary>One [-1, -1] identity input per datatype: not tabular.</summary>
    public string AllTypes { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _harness = await ServingHarness.CreateAsync(new ServingOptions { MaxRequestBodyBytes = BodyLimit });
        Dense = await _harness.PublishAsync(TestModels.DenseNetwork.Bytes());
        Strings = await _harness.PublishAsync(TestModels.StringFeatures.Bytes());
        AllTypes = await _harness.PublishAsync(TestModels.AllTypesIdentity.Bytes());
    }

    public Task DisposeAsync()
    {
        _harness?.Dispose();
        return Task.CompletedTask;
    }
}
