using Azure.Storage.Blobs;

namespace ServerlessML.DevHost.TestWorker;

/// <summary>
/// The test functions report what they received as marker blobs in the "{ContainerPrefix}-markers"
/// container, which the tests read back.
/// </summary>
internal static class Markers
{
    private static readonly Lazy<BlobContainerClient> Container = new(() =>
    {
        var container = new BlobServiceClient(Environment.GetEnvironmentVariable("AzureWebJobsStorage"))
            .GetBlobContainerClient(Environment.GetEnvironmentVariable("ContainerPrefix") + "-markers");
        container.CreateIfNotExists();
        return container;
    });

    public static Task WriteAsync(string name, string content) =>
        Container.Value.GetBlobClient(name).UploadAsync(BinaryData.FromString(content), overwrite: true);
}
