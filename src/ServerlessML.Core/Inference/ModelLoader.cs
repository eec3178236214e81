using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>Loads a served version from the registry's immutable copy: model.onnx and, when present, its manifest.</summary>
public sealed class ModelLoader
{
    private readonly RegistryStore _store;
    private readonly ServingOptions _options;

    public ModelLoader(RegistryStore store, ServingOptions options)
    {
        _store = store;
        _options = options;
    }

    public async Task<LoadedModel> LoadAsync(string model, string version, CancellationToken cancellationToken = default)
    {
        var onnx = await _store.DownloadVersionFileAsync(model, version, RegistryPaths.ModelFileName, cancellationToken).ConfigureAwait(false)
            ?? throw new ServingException(ServingErrorCode.Unavailable,
                $"Model '{model}' version '{version}' is in the record but {RegistryPaths.VersionModel(model, version)} is missing from the registry container.",
                _options.FailedLoadRetryDelay);
        var manifestJson = await _store.DownloadVersionFileAsync(model, version, RegistryPaths.ManifestFileName, cancellationToken).ConfigureAwait(false);
        var manifest = manifestJson is null ? null : ModelManifest.Parse(manifestJson.ToString());
        var session = OnnxModel.Load(model, version, onnx.ToArray(), _options);
        return new LoadedModel(session, manifest);
    }
}
