using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessML.Functions.Serving;
using ServerlessML.Inference;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Functions.Tests.Serving;

/// <summary>
/// ModelWarmupService in a generic host wired as Program.cs wires it, over its own Azurite, with a session
/// loader that holds every load until the test lets it go: what the host does while a load is held shows
/// whether the host waits for it.
/// </summary>
public class ModelWarmupServiceTests(IsolatedStorageFixture fixture) : IClassFixture<IsolatedStorageFixture>, IAsyncLifetime
{
    private readonly TaskCompletionSource _loadsMayFinish = new();
    private readonly SemaphoreSlim _loadStarted = new(0);

    public async Task InitializeAsync()
    {
        await fixture.Storage.EmptyRegistryAsync();
        await fixture.Storage.Store.PublishAsync("alpha", "1", BinaryData.FromBytes(TestModels.DenseNetwork.Bytes()));
    }

    public Task DisposeAsync()
    {
        _loadsMayFinish.TrySetResult();
        _loadStarted.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Starting_the_host_returns_while_the_warm_up_is_still_loading()
    {
        using var host = BuildHost(warmUpOnStart: true);
        var service = host.Services.GetServices<IHostedService>().OfType<ModelWarmupService>().Single();
        var sessions = host.Services.GetRequiredService<SessionCache>();

        // Were the start to wait for the held load, it would never return: the limit only turns that hang into a failure.
        await host.StartAsync().WaitAsync(Eventually.DefaultTimeout);

        var warmUp = Assert.IsAssignableFrom<Task<ModelWarmupSummary>>(service.WarmUp);
        Assert.False(warmUp.IsCompleted);
        Assert.False(sessions.IsLoaded("alpha", "1"));

        _loadsMayFinish.SetResult();
        var summary = await warmUp.WaitAsync(Eventually.DefaultTimeout);

        Assert.Equal(WarmupResult.Loaded, Assert.Single(summary.Versions).Result);
        Assert.True(sessions.IsLoaded("alpha", "1"));
        await host.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_host_cancels_a_warm_up_in_progress()
    {
        using var host = BuildHost(warmUpOnStart: true);
        var service = host.Services.GetServices<IHostedService>().OfType<ModelWarmupService>().Single();
        await host.StartAsync();
        Assert.True(await _loadStarted.WaitAsync(Eventually.DefaultTimeout), "The warm-up never started loading alpha.");

        await host.StopAsync();

        var warmUp = Assert.IsAssignableFrom<Task<ModelWarmupSummary>>(service.WarmUp);
        Assert.True(warmUp.IsCompletedSuccessfully);
        var summary = await warmUp;
        Assert.True(summary.Canceled);
        Assert.Equal(WarmupResult.Canceled, Assert.Single(summary.Versions).Result);
        Assert.False(host.Services.GetRequiredService<SessionCache>().IsLoaded("alpha", "1"));
    }

    [Fact]
    public async Task With_warm_up_off_starting_the_host_loads_nothing()
    {
        using var host = BuildHost(warmUpOnStart: false);
        var service = host.Services.GetServices<IHostedService>().OfType<ModelWarmupService>().Single();

        await host.StartAsync();
        await host.StopAsync();

        Assert.Null(service.WarmUp);
        Assert.Equal(0, _loadStarted.CurrentCount);
    }

    private IHost BuildHost(bool warmUpOnStart)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(fixture.Storage.Service);
        builder.Services.Configure<ServingOptions>(o => o.WarmUpOnStart = warmUpOnStart);
        builder.Services.AddModelServing();
        // The cache as AddModelServing builds it, over a loader that waits for the test's go-ahead.
        builder.Services.AddSingleton(sp =>
        {
            var loader = sp.GetRequiredService<ModelLoader>();
            return new SessionCache(sp.GetRequiredService<IOptions<ServingOptions>>().Value, async (model, version, cancellationToken) =>
            {
                _loadStarted.Release();
                await _loadsMayFinish.Task;
                return await loader.LoadAsync(model, version, cancellationToken);
            }, sp.GetRequiredService<ILogger<SessionCache>>());
        });
        builder.Services.AddHostedService<ModelWarmupService>();
        return builder.Build();
    }
}
