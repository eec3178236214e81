using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using ServerlessML.DevHost.Configuration;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost.Blobs;

/// <summary>A blob-triggered function with its path resolved and its container client ready.</summary>
public sealed record BlobTriggerBinding(FunctionDescriptor Function, BlobPathPattern Path, string ConnectionName, BlobContainerClient Container)
{
    /// <summary>
    /// The blob triggers of a worker; a function whose path or connection cannot be resolved is left out
    /// and logged (as the Functions host fails that function's listener and runs the others).
    /// </summary>
    public static IReadOnlyList<BlobTriggerBinding> CreateAll(FunctionIndex functions, AppSettingResolver settings, StorageConnections storage, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(storage);
        var bindings = new List<BlobTriggerBinding>();
        foreach (var function in functions.OfKind(TriggerKind.Blob))
        {
            try
            {
                string path = settings.Resolve(function.TriggerProperty("path") ?? throw new InvalidDataException("the blob trigger has no path"), $"The path of {function.Name}");
                var pattern = BlobPathPattern.Parse(path);
                string connection = function.TriggerProperty("connection") is { Length: > 0 } c ? c : StorageConnections.HostStorageSetting;
                var container = storage.BlobService(connection).GetBlobContainerClient(pattern.Container);
                bindings.Add(new BlobTriggerBinding(function, pattern, connection, container));
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FormatException)
            {
                logger.LogError("{Function} will not be triggered: {Error}", function.Name, e.Message);
            }
        }

        return bindings;
    }
}
