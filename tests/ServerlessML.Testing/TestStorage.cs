using Azure.Storage.Blobs;
using ServerlessML.DevHost.Storage;

namespace ServerlessML.Testing;

/// <summary>
/// One Azurite per test process, on free ports and in memory, started on first use and killed when
/// the process exits. Tests isolate themselves by using fresh container or model names.
/// </summary>
public static class TestStorage
{
    private static readonly Lazy<Task<AzuriteProcess>> Azurite = new(StartAsync);

    public static async Task<string> ConnectionStringAsync() => (await Azurite.Value.ConfigureAwait(false)).ConnectionString;

    public static async Task<BlobServiceClient> ServiceClientAsync() => new(await ConnectionStringAsync().ConfigureAwait(false));

    /// <summary>A lower-case name unique to this call, valid as a model name and a container name.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];

    private static async Task<AzuriteProcess> StartAsync()
    {
        var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { RepositoryRoot = RepositoryRoot.Path }).ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return azurite;
    }
}
