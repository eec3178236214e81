using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using ServerlessML.Registry;

namespace ServerlessML.DevHost.Samples;

/// <summary>
/// Puts the sample model (samples/adult-income) where the app serves models from, so a fresh local run
/// can answer predictions at once. For now it writes the served registry format directly with
/// <see cref="RegistryStore.PublishAsync"/>; once blob deployment exists this becomes an upload into the
/// <c>models</c> container and the app's own deployment does the rest.
/// </summary>
public sealed class SampleModelDeployment(string repositoryRoot, ILogger logger)
{
    public const string Model = "adult-income";

    public const string Version = "1";

    public string SampleFolder => Path.Combine(repositoryRoot, "samples", Model);

    /// <summary>The sample V2 inference request, for the example printed at start.</summary>
    public string RequestFile => Path.Combine(SampleFolder, "requests", "v2-infer.json");

    /// <summary>Deploys the sample unless its version is already registered; false when the sample files are missing.</summary>
    public async Task<bool> DeployIfMissingAsync(BlobServiceClient modelStorage, CancellationToken cancellationToken)
    {
        string onnx = Path.Combine(SampleFolder, "model.onnx");
        string manifest = Path.Combine(SampleFolder, "serverlessml.json");
        if (!File.Exists(onnx))
        {
            logger.LogWarning("No sample model deployed: {Path} does not exist (the sample is generated into samples/{Model}/; see the README).", Path.GetRelativePath(repositoryRoot, onnx), Model);
            return false;
        }

        var store = new RegistryStore(modelStorage);
        var current = await store.ReadRecordAsync(Model, cancellationToken).ConfigureAwait(false);
        if (current?.Record.FindVersion(Version) is not null)
        {
            logger.LogInformation("Sample model {Model} version {Version} is already registered.", Model, Version);
            return true;
        }

        string? manifestJson = File.Exists(manifest) ? await File.ReadAllTextAsync(manifest, cancellationToken).ConfigureAwait(false) : null;
        await store.PublishAsync(Model, Version, BinaryData.FromBytes(await File.ReadAllBytesAsync(onnx, cancellationToken).ConfigureAwait(false)), manifestJson, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Deployed sample model {Model} version {Version} to registry/{Model}/versions/{Version}/{Manifest}.", Model, Version, Model, Version, manifestJson is null ? " (no serverlessml.json found, so no manifest)" : "");
        return true;
    }
}
