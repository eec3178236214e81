using System.Reflection;
using Azure;
using Azure.Storage.Blobs;
using ServerlessML.Testing;

namespace ServerlessML.DevHost.Tests;

/// <summary>
/// The test worker app (tests/ServerlessML.DevHost.TestWorker) running under DevHost. Its blob
/// containers and marker container carry a prefix of this fixture's own (through the %ContainerPrefix%
/// setting), so fixtures that share the test process's Azurite never see each other's blobs.
/// </summary>
public abstract class TestWorkerHost : IAsyncLifetime
{
    private DevHostRun? _run;

    public DevHostRun Run => _run ?? throw new InvalidOperationException("The fixture has not started.");

    public string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..10];

    public string Container(string suffix) => $"{Prefix}-{suffix}";

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["ContainerPrefix"] = Prefix,
            ["TestSchedule"] = "*/2 * * * * *",
            ["RareSchedule"] = "0 0 0 1 1 *",
        };
        Configure(settings);
        string folder = DevHostRun.AppFolderFromMetadata(Assembly.GetExecutingAssembly(), "TestWorkerFolder");
        _run = await DevHostRun.StartAsync(folder, settings, ConfigureHost).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        if (_run is not null)
        {
            await _run.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task<BlobClient> UploadAsync(string containerSuffix, string name, string content)
    {
        var container = Run.Storage.GetBlobContainerClient(Container(containerSuffix));
        await container.CreateIfNotExistsAsync().ConfigureAwait(false);
        var blob = container.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromString(content), overwrite: true).ConfigureAwait(false);
        return blob;
    }

    /// <summary>The text of a marker blob the test worker wrote; null while there is none.</summary>
    public async Task<string?> ReadMarkerAsync(string name)
    {
        try
        {
            var content = await Run.Storage.GetBlobContainerClient(Container("markers")).GetBlobClient(name).DownloadContentAsync().ConfigureAwait(false);
            return content.Value.Content.ToString();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The names of the marker blobs under <paramref name="prefix"/>.</summary>
    public async Task<IReadOnlyList<string>> ListMarkersAsync(string prefix)
    {
        var container = Run.Storage.GetBlobContainerClient(Container("markers"));
        if (!await container.ExistsAsync().ConfigureAwait(false))
        {
            return [];
        }

        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None).ConfigureAwait(false))
        {
            names.Add(item.Name);
        }

        return names;
    }

    protected virtual void Configure(IDictionary<string, string> settings)
    {
    }

    protected virtual DevHostOptions ConfigureHost(DevHostOptions options) => options;
}

/// <summary>The test worker with ASP.NET Core integration (as the real app), blob watcher and timer schedules on.</summary>
public sealed class AspNetIntegrationHost : TestWorkerHost;

/// <summary>The test worker with HTTP over gRPC; blob events only through the webhook, timers only on demand.</summary>
public sealed class GrpcHttpHost : TestWorkerHost
{
    protected override void Configure(IDictionary<string, string> settings) => settings["TESTWORKER_HTTP"] = "grpc";

    protected override DevHostOptions ConfigureHost(DevHostOptions options) => new()
    {
        AppDirectory = options.AppDirectory,
        AppSettings = options.AppSettings,
        HttpPort = options.HttpPort,
        FunctionKey = options.FunctionKey,
        MasterKey = options.MasterKey,
        HostId = options.HostId,
        BlobRetryDelay = options.BlobRetryDelay,
        WatchBlobs = false,
        RunTimerSchedules = false,
        WorkerFirstRestartDelay = TimeSpan.FromMilliseconds(100),
    };
}

[CollectionDefinition(Name)]
public sealed class AspNetIntegrationCollection : ICollectionFixture<AspNetIntegrationHost>
{
    public const string Name = "DevHost with an ASP.NET Core integrated worker";
}

[CollectionDefinition(Name)]
public sealed class GrpcHttpCollection : ICollectionFixture<GrpcHttpHost>
{
    public const string Name = "DevHost with an HTTP-over-gRPC worker";
}
