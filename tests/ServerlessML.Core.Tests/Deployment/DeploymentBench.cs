using System.IO.Compression;
using System.Text;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessML.Deployment;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.Tests.Deployment;

/// <summary>
/// The deployment pipeline over the test process's Azurite, wired beside a serving harness on the same
/// registry (so tests can check that what was deployed serves, and that the deployer warmed it).
/// </summary>
public sealed class DeploymentBench : IDisposable
{
    private DeploymentBench(ServingHarness serving, BlobContainerClient models, DeploymentOptions options, RecordingObserver observer)
    {
        Serving = serving;
        Models = models;
        Options = options;
        Observer = observer;
        Events = new RegistryEvents(serving.Store);
        Deployer = new ModelDeployer(serving.Store, Events, Microsoft.Extensions.Options.Options.Create(options), Microsoft.Extensions.Options.Options.Create(serving.Options),
            [observer], NullLogger<ModelDeployer>.Instance, serving.Sessions, serving.Records);
    }

    public ServingHarness Serving { get; }

    public RegistryStore Store => Serving.Store;

    public BlobContainerClient Models { get; }

    public DeploymentOptions Options { get; }

    public RegistryEvents Events { get; }

    public ModelDeployer Deployer { get; }

    public RecordingObserver Observer { get; }

    public static async Task<DeploymentBench> CreateAsync(DeploymentOptions? options = null)
    {
        var serving = await ServingHarness.CreateAsync();
        var models = (await TestStorage.ServiceClientAsync()).GetBlobContainerClient(RegistryPaths.ModelsContainer);
        await models.CreateIfNotExistsAsync();
        return new DeploymentBench(serving, models, options ?? new DeploymentOptions(), new RecordingObserver());
    }

    /// <summary>Uploads <paramref name="content"/> as models/{blobName} and runs the deployer on it, as the blob trigger does.</summary>
    public async Task<DeploymentOutcome> DeployAsync(string blobName, byte[] content)
    {
        var blob = await UploadAsync(blobName, content);
        return await Deployer.DeployAsync(blob);
    }

    public async Task<BlobClient> UploadAsync(string blobName, byte[] content)
    {
        var blob = Models.GetBlobClient(blobName);
        await blob.UploadAsync(BinaryData.FromBytes(content), overwrite: true);
        return blob;
    }

    public async Task<ModelRecord> RecordAsync(string model) =>
        (await Store.ReadRecordAsync(model))?.Record ?? throw new Xunit.Sdk.XunitException($"Model '{model}' has no record.json.");

    public Task<IReadOnlyList<RegistryEvent>> EventsAsync(string model) => Events.ListAsync(model);

    /// <summary>The names of the files in registry/{model}/versions/{version}/.</summary>
    public async Task<List<string>> VersionFilesAsync(string model, string version)
    {
        var names = new List<string>();
        string folder = RegistryPaths.VersionFolder(model, version);
        await foreach (var item in Store.Container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, folder, default))
        {
            names.Add(item.Name[folder.Length..]);
        }

        return names;
    }

    public async Task<string?> VersionTextAsync(string model, string version, string file) =>
        (await Store.DownloadVersionFileAsync(model, version, file))?.ToString();

    public void Dispose() => Serving.Dispose();

    /// <summary>A zip built in memory with System.IO.Compression, entries in the order given.</summary>
    public static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                stream.Write(content);
            }
        }

        return buffer.ToArray();
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>Keeps what the deployer told its observers.</summary>
public sealed class RecordingObserver : IDeploymentObserver
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<DeploymentOutcome> _deployed = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<DeploymentOutcome> _failed = new();

    public IReadOnlyCollection<DeploymentOutcome> Deployed => _deployed;

    public IReadOnlyCollection<DeploymentOutcome> Failed => _failed;

    public void OnDeployed(DeploymentOutcome outcome) => _deployed.Enqueue(outcome);

    public void OnFailed(DeploymentOutcome outcome) => _failed.Enqueue(outcome);
}
