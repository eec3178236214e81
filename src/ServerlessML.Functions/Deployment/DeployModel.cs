using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessML.Deployment;
using ServerlessML.Functions.Storage;
using ServerlessML.Registry;

namespace ServerlessML.Functions.Deployment;

/// <summary>
/// Deploys what a data scientist uploads to <c>models/{model}/{version}.onnx</c> or <c>.zip</c>. The
/// Event Grid subscription of the Bicep template delivers the blob events to this function by its name.
/// A bad upload is recorded as failed and returns normally (so it is not retried); only storage errors
/// throw, and the host retries them.
/// </summary>
public sealed class DeployModel(ModelDeployer deployer, ILogger<DeployModel> logger)
{
    [Function(nameof(DeployModel))]
    public async Task Run(
        [BlobTrigger(RegistryPaths.ModelsContainer + "/{model}/{name}", Connection = ModelStorageClient.ConnectionSetting, Source = BlobTriggerSource.EventGrid)] BlobClient blob,
        string model, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var outcome = await deployer.DeployAsync(blob, cancellationToken).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case DeploymentStatus.Deployed:
                logger.LogInformation("models/{Model}/{Name}: version {Version} deployed ({Traffic}).", model, name, outcome.Version, outcome.Traffic);
                break;
            case DeploymentStatus.Skipped:
                logger.LogInformation("models/{Model}/{Name}: skipped: {Reason}", model, name, outcome.Reason);
                break;
            default:
                logger.LogWarning("models/{Model}/{Name}: deployment failed at step {Step}: {Reason}", model, name, outcome.Step, outcome.Reason);
                break;
        }
    }
}
