using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessML.DevHost.Configuration;
using ServerlessML.DevHost.Http;
using ServerlessML.DevHost.Samples;
using ServerlessML.Registry;
using ServerlessML.Testing;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>
/// The real Functions app (src/ServerlessML.Functions build output) under DevHost, with the settings of
/// local.settings.sample.json pointed at this test process's Azurite, and the sample model deployed.
/// A new end-to-end case needs only this fixture: <see cref="Run"/> for HTTP (with or without keys),
/// <see cref="PostJsonAsync"/> for function-key calls, <see cref="UploadAsync"/> to drop a blob where a trigger watches
/// (<see cref="DeployAsync"/> to deploy a model package through it), and <c>Run.RunNowAsync</c> to run a timer.
/// </summary>
public sealed class ServerlessMLApp : IAsyncLifetime
{
    private DevHostRun? _run;

    public DevHostRun Run => _run ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>The served sample model's name (samples/adult-income, version 1).</summary>
    public static string SampleModel => SampleModelDeployment.Model;

    public static string SampleFile(params string[] parts) => RepositoryRoot.Combine(["samples", SampleModelDeployment.Model, .. parts]);

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string>(LocalSettings.Load(RepositoryRoot.Combine(LocalSettings.SampleFileName)).Values, StringComparer.OrdinalIgnoreCase)
        {
            // Traffic changes reach the worker within a fifth of a second, so switching tests run in seconds.
            ["Serving__RecordRefreshInterval"] = "00:00:00.200",
            // The prediction log is written every half second, so a test reads what it sent without a 30 s wait.
            ["PredictionLog__FlushInterval"] = "00:00:00.500",
            // Reports run only when a test asks: an hourly run crossing a test could judge its canary first.
            ["MonitoringSchedule"] = "0 0 0 1 1 *",
        };
        string folder = DevHostRun.AppFolderFromMetadata(Assembly.GetExecutingAssembly(), "FunctionsAppFolder");
        _run = await DevHostRun.StartAsync(folder, settings).ConfigureAwait(false);
        // The sample goes in as a data scientist's upload: models/adult-income/1.zip, through the blob trigger.
        bool deployed = await new SampleModelDeployment(RepositoryRoot.Path, NullLogger.Instance)
            .DeployIfMissingAsync(new BlobServiceClient(Run.StorageConnectionString), TimeSpan.FromSeconds(60), CancellationToken.None).ConfigureAwait(false);
        if (!deployed)
        {
            throw new InvalidOperationException($"The sample model was not deployed through models/{SampleModel}/1.zip; host output:{Environment.NewLine}{string.Join(Environment.NewLine, Run.Logs.Lines.TakeLast(40))}");
        }
    }

    public async Task DisposeAsync()
    {
        if (_run is not null)
        {
            await _run.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>POSTs a JSON file (e.g. a sample request) with the function key.</summary>
    public Task<HttpResponseMessage> PostJsonFileAsync(string path, string file) =>
        PostJsonAsync(path, File.ReadAllText(file));

    /// <summary>
    /// POSTs JSON with the function key; <paramref name="requestId"/> (x-request-id) names the request for feedback
    /// labels, <paramref name="routingKey"/> (x-routing-key) is the caller that canary routing keeps on one side.
    /// </summary>
    public async Task<HttpResponseMessage> PostJsonAsync(string path, string json, string? requestId = null, string? routingKey = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add(HostKeys.KeyHeader, DevHostRun.FunctionKey);
        if (requestId is not null)
        {
            request.Headers.Add("x-request-id", requestId);
        }

        if (routingKey is not null)
        {
            request.Headers.Add("x-routing-key", routingKey);
        }

        return await Run.Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads a blob into a container of the app's storage account (e.g. models/{model}/{version}.onnx).</summary>
    public async Task<BlobClient> UploadAsync(string container, string name, BinaryData content)
    {
        var client = Run.Storage.GetBlobContainerClient(container);
        await client.CreateIfNotExistsAsync().ConfigureAwait(false);
        var blob = client.GetBlobClient(name);
        await blob.UploadAsync(content, overwrite: true).ConfigureAwait(false);
        return blob;
    }

    /// <summary>Uploads models/{model}/{version}.zip and waits until the blob trigger has made the version ready.</summary>
    public async Task<ModelVersionRecord> DeployAsync(string model, string version, byte[] package)
    {
        await UploadAsync("models", $"{model}/{version}.zip", BinaryData.FromBytes(package)).ConfigureAwait(false);
        var store = new RegistryStore(Run.Storage);
        var deployed = await Eventually.GetAsync(async () =>
            (await store.ReadRecordAsync(model).ConfigureAwait(false))?.Record.FindVersion(version) is { State: ModelVersionStates.Ready or ModelVersionStates.Failed } v ? v : null,
            $"models/{model}/{version}.zip to be deployed").ConfigureAwait(false);
        Assert.True(deployed.State == ModelVersionStates.Ready, deployed.Reason);
        return deployed;
    }
}

[CollectionDefinition(Name)]
public sealed class ServerlessMLAppCollection : ICollectionFixture<ServerlessMLApp>
{
    public const string Name = "ServerlessML app under DevHost";
}
