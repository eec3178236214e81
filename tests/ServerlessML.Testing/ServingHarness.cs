using Microsoft.Extensions.Logging.Abstractions;
using ServerlessML.Inference;
using ServerlessML.Registry;

namespace ServerlessML.Testing;

/// <summary>
/// The serving services wired as the Functions app wires them, over the test process's Azurite,
/// with helpers to publish models under fresh names.
/// </summary>
public sealed class ServingHarness : IDisposable
{
    private ServingHarness(RegistryStore store, ServingOptions options, IPredictionObserver[] observers)
    {
        Store = store;
        Options = options;
        Records = new RecordCache(store, options.RecordRefreshInterval);
        Router = new ModelRouter(Records);
        Loader = new ModelLoader(store, options);
        Sessions = new SessionCache(options, Loader.LoadAsync, NullLogger<SessionCache>.Instance);
        Service = new InferenceService(Router, Sessions, store, Microsoft.Extensions.Options.Options.Create(options), observers, NullLogger<InferenceService>.Instance);
    }

    public RegistryStore Store { get; }

    public ServingOptions Options { get; }

    public RecordCache Records { get; }

    public ModelRouter Router { get; }

    public ModelLoader Loader { get; }

    public SessionCache Sessions { get; }

    public InferenceService Service { get; }

    public static async Task<ServingHarness> CreateAsync(ServingOptions? options = null, params IPredictionObserver[] observers)
    {
        var store = new RegistryStore(await TestStorage.ServiceClientAsync().ConfigureAwait(false));
        await store.EnsureContainerAsync().ConfigureAwait(false);
        return new ServingHarness(store, options ?? new ServingOptions(), observers);
    }

    /// <summary>Publishes <paramref name="onnx"/> as the production version of a new model and returns the model's name.</summary>
    public async Task<string> PublishAsync(byte[] onnx, string? manifestJson = null, string version = "1", string? model = null)
    {
        model ??= TestStorage.UniqueName("m");
        await Store.PublishAsync(model, version, BinaryData.FromBytes(onnx), manifestJson).ConfigureAwait(false);
        Records.Invalidate(model);
        return model;
    }

    public void Dispose() => Sessions.Dispose();
}
