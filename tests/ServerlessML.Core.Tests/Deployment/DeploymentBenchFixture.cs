namespace ServerlessML.Tests.Deployment;

/// <summary>One deployment bench per test class; tests isolate themselves with fresh model names.</summary>
public sealed class DeploymentBenchFixture : IAsyncLifetime
{
    private DeploymentBench? _bench;

    public DeploymentBench Bench => _bench ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _bench = await DeploymentBench.CreateAsync();

    public Task DisposeAsync()
    {
        _bench?.Dispose();
        return Task.CompletedTask;
    }
}
