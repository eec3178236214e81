using ServerlessML.Testing;

namespace ServerlessML.Tests;

/// <summary>One serving harness per test class, over the process's Azurite.</summary>
public sealed class HarnessFixture : IAsyncLifetime
{
    private ServingHarness? _harness;

    public ServingHarness Harness => _harness ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _harness = await ServingHarness.CreateAsync();

    public Task DisposeAsync()
    {
        _harness?.Dispose();
        return Task.CompletedTask;
    }
}
