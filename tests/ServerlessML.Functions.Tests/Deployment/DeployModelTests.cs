using System.Collections.Concurrent;
using System.Reflection;
using Azure.Storage.Blobs;
using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Channel;
using Microsoft.ApplicationInsights.DataContracts;
using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessML.Deployment;
using ServerlessML.Functions.Deployment;
using ServerlessML.Inference;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Functions.Tests.Deployment;

/// <summary>
/// The DeployModel function with the services Program.cs registers (AddModelServing, AddModelDeployment),
/// over Azurite, called directly as the host calls it; telemetry goes to an in-memory channel.
/// </summary>
public sealed class DeployModelTests : IAsyncLifetime
{
    private readonly CapturedTelemetry _telemetry = new();
    private ServiceProvider? _services;
    private BlobContainerClient? _models;

    private IServiceProvider Services => _services!;

    public async Task InitializeAsync()
    {
        var storage = await TestStorage.ServiceClientAsync();
        _models = storage.GetBlobContainerClient(RegistryPaths.ModelsContainer);
        await _models.CreateIfNotExistsAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Deployment:MaxPackageBytes"] = "200000" })
            .Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(storage)
            .AddSingleton(new TelemetryClient(new TelemetryConfiguration { TelemetryChannel = _telemetry, ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000" }));
        services.AddModelServing();
        services.AddModelDeployment();
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    private DeployModel Function() => ActivatorUtilities.CreateInstance<DeployModel>(Services);

    private async Task<BlobClient> UploadAsync(string model, string name, byte[] content)
    {
        var blob = _models!.GetBlobClient($"{model}/{name}");
        await blob.UploadAsync(BinaryData.FromBytes(content), overwrite: true);
        return blob;
    }

    [Fact]
    public void Function_is_bound_as_the_event_grid_subscription_of_the_bicep_template_expects()
    {
        var run = typeof(DeployModel).GetMethod(nameof(DeployModel.Run))!;
        var trigger = run.GetParameters()[0].GetCustomAttribute<BlobTriggerAttribute>()!;

        Assert.Equal("DeployModel", run.GetCustomAttribute<FunctionAttribute>()!.Name);
        Assert.Equal(typeof(BlobClient), run.GetParameters()[0].ParameterType);
        Assert.Equal(("models/{model}/{name}", "ModelStorage", BlobTriggerSource.EventGrid), (trigger.BlobPath, trigger.Connection, trigger.Source));
    }

    [Fact]
    public async Task Uploaded_model_is_deployed_and_reported_as_ModelDeployed()
    {
        string model = TestStorage.UniqueName("fn");
        var blob = await UploadAsync(model, "1.onnx", TestModels.DenseNetwork.Bytes());

        await Function().Run(blob, model, "1.onnx");

        var record = (await Services.GetRequiredService<RegistryStore>().ReadRecordAsync(model))!.Record;
        Assert.Equal("1", record.Traffic.Production);
        Assert.True(Services.GetRequiredService<SessionCache>().IsLoaded(model, "1"));
        var deployed = Assert.Single(_telemetry.Events("ModelDeployed"), e => e.Properties["Model"] == model);
        Assert.Equal(("1", RolloutStrategies.Immediate, "production"), (deployed.Properties["Version"], deployed.Properties["Strategy"], deployed.Properties["Traffic"]));
        Assert.True(deployed.Metrics["DurationMs"] > 0);
    }

    [Fact]
    public async Task Bad_blob_returns_normally_and_is_reported_as_ModelDeploymentFailed()
    {
        string model = TestStorage.UniqueName("fn");
        var blob = await UploadAsync(model, "1.onnx", TestModels.Invalid.NotAModel());

        await Function().Run(blob, model, "1.onnx");

        var version = (await Services.GetRequiredService<RegistryStore>().ReadRecordAsync(model))!.Record.FindVersion("1")!;
        Assert.Equal(ModelVersionStates.Failed, version.State);
        var failed = Assert.Single(_telemetry.Events("ModelDeploymentFailed"), e => e.Properties["Model"] == model);
        Assert.Equal(("1", DeploymentSteps.Load), (failed.Properties["Version"], failed.Properties["Step"]));
        Assert.Contains("ONNX Runtime cannot load model.onnx", failed.Properties["Reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deployment_limits_come_from_the_Deployment_configuration_section()
    {
        string model = TestStorage.UniqueName("fn");
        byte[] overLimit = new byte[200_001];
        var blob = await UploadAsync(model, "1.onnx", overLimit);

        await Function().Run(blob, model, "1.onnx");

        Assert.Equal(200_000, Services.GetRequiredService<IOptions<DeploymentOptions>>().Value.MaxPackageBytes);
        var failed = Assert.Single(_telemetry.Events("ModelDeploymentFailed"), e => e.Properties["Model"] == model);
        Assert.Contains("over the limit of 200000 bytes", failed.Properties["Reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storage_that_does_not_answer_throws_so_the_host_retries()
    {
        // A blob on an account nobody listens on, with no SDK retries: the error is a transport failure.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        string connection = (await TestStorage.ConnectionStringAsync()).Replace(
            new Uri(_models!.Uri.GetLeftPart(UriPartial.Authority)).Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 0;
        string model = TestStorage.UniqueName("fn");
        var unreachable = new BlobServiceClient(connection, options).GetBlobContainerClient(RegistryPaths.ModelsContainer).GetBlobClient($"{model}/1.onnx");

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => Function().Run(unreachable, model, "1.onnx"));

        Assert.Null(await Services.GetRequiredService<RegistryStore>().ReadRecordAsync(model));
        Assert.DoesNotContain(_telemetry.Events("ModelDeploymentFailed"), e => e.Properties["Model"] == model);
    }

    [Fact]
    public void Telemetry_observer_is_registered_once()
    {
        Assert.IsType<DeploymentTelemetry>(Assert.Single(Services.GetServices<IDeploymentObserver>()));
        Assert.NotNull(Services.GetRequiredService<ILogger<DeployModel>>());
    }

    /// <summary>An Application Insights channel that keeps what it is sent.</summary>
    private sealed class CapturedTelemetry : ITelemetryChannel
    {
        private readonly ConcurrentQueue<ITelemetry> _items = new();

        public bool? DeveloperMode { get; set; }

        public string? EndpointAddress { get; set; }

        public IEnumerable<EventTelemetry> Events(string name) => _items.OfType<EventTelemetry>().Where(e => e.Name == name);

        public void Send(ITelemetry item) => _items.Enqueue(item);

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
