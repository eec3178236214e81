using Azure.Storage.Blobs;
using ServerlessML.DevHost.Storage;
using ServerlessML.Registry;

namespace ServerlessML.Testing;

/// <summary>
/// An Azurite of its own, for tests that read the whole registry (warm-up lists every model) and so
/// cannot share <see cref="TestStorage"/>'s with tests that publish models at the same time. Use one per
/// test class (a class fixture) and <see cref="EmptyRegistryAsync"/> at the start of each test.
/// </summary>
public sealed class IsolatedStorage : IAsyncDisposable
{
    private readonly AzuriteProcess _azurite;

    private IsolatedStorage(AzuriteProcess azurite)
    {
        _azurite = azurite;
        Service = new BlobServiceClient(azurite.ConnectionString);
        Store = new RegistryStore(Service);
    }

    public BlobServiceClient Service { get; }

    public RegistryStore Store { get; }

    public static async Task<IsolatedStorage> StartAsync() =>
        new(await AzuriteProcess.StartAsync(new AzuriteOptions { RepositoryRoot = RepositoryRoot.Path }).ConfigureAwait(false));

    /// <summary>Deletes every blob of the registry container (creating it if needed), so a test sees only the models it publishes.</summary>
    public async Task EmptyRegistryAsync()
    {
        await Store.EnsureContainerAsync().ConfigureAwait(false);
        await foreach (var blob in Store.Container.GetBlobsAsync().ConfigureAwait(false))
        {
            await Store.Container.DeleteBlobAsync(blob.Name).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => _azurite.DisposeAsync();
}
