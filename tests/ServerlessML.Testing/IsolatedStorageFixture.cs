namespace ServerlessML.Testing;

/// <summary>An Azurite for one test class alone (an xunit class fixture): warm-up lists the whole registry, which other classes fill at the same time.</summary>
public sealed class IsolatedStorageFixture : Xunit.IAsyncLifetime
{
    private IsolatedStorage? _storage;

    public IsolatedStorage Storage => _storage ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _storage = await IsolatedStorage.StartAsync().ConfigureAwait(false);

    public async Task DisposeAsync()
    {
        if (_storage is not null)
        {
            await _storage.DisposeAsync().ConfigureAwait(false);
        }
    }
}
