using Microsoft.Extensions.Logging;

namespace ServerlessML.DevHost.Storage;

/// <summary>The storage emulator a run uses: one already listening, or one DevHost started (and stops).</summary>
public sealed class StorageEmulator : IAsyncDisposable
{
    internal StorageEmulator(string connectionString, AzuriteProcess? started)
    {
        ConnectionString = connectionString;
        Started = started;
    }

    /// <summary>The full connection string of the emulator in use.</summary>
    public string ConnectionString { get; }

    /// <summary>The Azurite process DevHost started; null when it reused one already listening.</summary>
    public AzuriteProcess? Started { get; }

    public ValueTask DisposeAsync() => Started?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>
/// Reuses an emulator already listening on Azurite's default ports, or starts Azurite from the
/// repository's package.json: on the default ports when they are all free (so
/// <c>UseDevelopmentStorage=true</c> keeps working for other tools), on free ports otherwise.
/// </summary>
public static class AzuriteLauncher
{
    public static async Task<StorageEmulator> EnsureRunningAsync(string repositoryRoot, bool inMemory, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        bool blob = await AzuriteProcess.IsListeningAsync(DevelopmentStorage.DefaultBlobPort, cancellationToken).ConfigureAwait(false);
        bool queue = await AzuriteProcess.IsListeningAsync(DevelopmentStorage.DefaultQueuePort, cancellationToken).ConfigureAwait(false);
        bool table = await AzuriteProcess.IsListeningAsync(DevelopmentStorage.DefaultTablePort, cancellationToken).ConfigureAwait(false);
        if (blob)
        {
            if (!queue)
            {
                logger.LogWarning("An emulator listens on 127.0.0.1:{Blob} but nothing on {Queue}: the blob poison queue will not work.", DevelopmentStorage.DefaultBlobPort, DevelopmentStorage.DefaultQueuePort);
            }

            logger.LogInformation("Using the storage emulator already listening on 127.0.0.1:{Blob}.", DevelopmentStorage.DefaultBlobPort);
            return new StorageEmulator(
                AzuriteProcess.ConnectionStringFor(DevelopmentStorage.DefaultBlobPort, DevelopmentStorage.DefaultQueuePort, DevelopmentStorage.DefaultTablePort), null);
        }

        bool defaultsFree = !queue && !table;
        var options = new AzuriteOptions
        {
            RepositoryRoot = repositoryRoot,
            InMemory = inMemory,
            BlobPort = defaultsFree ? DevelopmentStorage.DefaultBlobPort : 0,
            QueuePort = defaultsFree ? DevelopmentStorage.DefaultQueuePort : 0,
            TablePort = defaultsFree ? DevelopmentStorage.DefaultTablePort : 0,
        };
        var azurite = await AzuriteProcess.StartAsync(options, cancellationToken).ConfigureAwait(false);
        logger.LogInformation(
            "Started Azurite ({Persistence}) on 127.0.0.1 ports {Blob}/{Queue}/{Table}{Note}.",
            inMemory ? "in memory" : "data in .azurite/",
            azurite.BlobPort,
            azurite.QueuePort,
            azurite.TablePort,
            defaultsFree ? "" : "; the default ports were partly taken, so UseDevelopmentStorage=true settings are rewritten to these");
        return new StorageEmulator(azurite.ConnectionString, azurite);
    }
}
