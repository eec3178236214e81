using System.IO.Compression;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using ServerlessML.Registry;

namespace ServerlessML.DevHost.Samples;

/// <summary>
/// Deploys the sample model (samples/adult-income) the way a data scientist does: it packs
/// model.onnx and serverlessml.json into a zip, uploads it to <c>models/adult-income/1.zip</c>, and
/// waits while the app's own blob-triggered deployment validates and registers it.
/// </summary>
public sealed class SampleModelDeployment(string repositoryRoot, ILogger logger)
{
    public const string Model = "adult-income";

    public const string Version = "1";

    public string SampleFolder => Path.Combine(repositoryRoot, "samples", Model);

    /// <summary>The sample V2 inference request, for the example printed at start.</summary>
    public string RequestFile => Path.Combine(SampleFolder, "requests", "v2-infer.json");

    /// <summary>
    /// Uploads the sample unless its version is already registered, and waits up to
    /// <paramref name="wait"/> for the deployment to finish; true once the version is ready.
    /// </summary>
    public async Task<bool> DeployIfMissingAsync(BlobServiceClient modelStorage, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(modelStorage);
        string onnx = Path.Combine(SampleFolder, "model.onnx");
        if (!File.Exists(onnx))
        {
            logger.LogWarning("No sample model deployed: {Path} does not exist (see samples/{Model}/README.md).", Path.GetRelativePath(repositoryRoot, onnx), Model);
            return false;
        }

        var store = new RegistryStore(modelStorage);
        if ((await store.ReadRecordAsync(Model, cancellationToken).ConfigureAwait(false))?.Record.FindVersion(Version) is { State: ModelVersionStates.Ready })
        {
            logger.LogInformation("Sample model {Model} version {Version} is already deployed.", Model, Version);
            return true;
        }

        var models = modelStorage.GetBlobContainerClient(RegistryPaths.ModelsContainer);
        await models.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        string blobName = $"{Model}/{Version}.zip";
        try
        {
            // If-None-Match: * keeps an earlier upload (versions are immutable; a second, different upload would be refused).
            await models.GetBlobClient(blobName).UploadAsync(BinaryData.FromBytes(Package()),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Uploaded the sample package to models/{Blob}; the DeployModel function takes it from there.", blobName);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            logger.LogInformation("models/{Blob} is already uploaded; waiting for its deployment.", blobName);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            while (true)
            {
                var version = (await store.ReadRecordAsync(Model, timeout.Token).ConfigureAwait(false))?.Record.FindVersion(Version);
                if (version?.State == ModelVersionStates.Ready)
                {
                    logger.LogInformation("Sample model {Model} version {Version} is deployed.", Model, Version);
                    return true;
                }

                if (version?.State == ModelVersionStates.Failed)
                {
                    logger.LogError("The sample model's deployment failed: {Reason}", version.Reason);
                    return false;
                }

                await Task.Delay(200, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("The sample model was not deployed within {Seconds} s; see the [blob] and [worker] lines above.", wait.TotalSeconds);
            return false;
        }
    }

    /// <summary>The sample as the package format of design section 4: model.onnx and serverlessml.json in a zip.</summary>
    public byte[] Package()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            zip.CreateEntryFromFile(Path.Combine(SampleFolder, "model.onnx"), "model.onnx");
            string manifest = Path.Combine(SampleFolder, "serverlessml.json");
            if (File.Exists(manifest))
            {
                zip.CreateEntryFromFile(manifest, "serverlessml.json");
            }
        }

        return buffer.ToArray();
    }
}
