using System.Collections.Concurrent;
using Azure.Storage.Blobs;
using ServerlessML.DevHost.Configuration;

namespace ServerlessML.DevHost.Blobs;

/// <summary>Resolves a binding's <c>connection</c> setting name to a storage client, as the Functions host does.</summary>
public sealed class StorageConnections(AppSettingResolver settings)
{
    /// <summary>The host's own storage account and the default connection of storage bindings.</summary>
    public const string HostStorageSetting = "AzureWebJobsStorage";

    private readonly ConcurrentDictionary<string, BlobServiceClient> _clients = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The connection string named by <paramref name="connectionName"/> (empty means AzureWebJobsStorage).</summary>
    public string ConnectionString(string? connectionName)
    {
        string name = string.IsNullOrEmpty(connectionName) ? HostStorageSetting : connectionName;
        // The host looks the name up as given, then with the AzureWebJobs prefix ("Storage" -> "AzureWebJobsStorage").
        string? value = settings.GetSetting(name) ?? settings.GetSetting("AzureWebJobs" + name) ?? settings.GetSetting("ConnectionStrings:" + name);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        if (settings.GetSetting(name + "__serviceUri") is not null || settings.GetSetting(name + "__blobServiceUri") is not null)
        {
            throw new InvalidOperationException(
                $"Connection '{name}' is identity-based ({name}__serviceUri); DevHost runs against Azurite and needs a connection string. Set \"{name}\": \"UseDevelopmentStorage=true\" in local.settings.json.");
        }

        throw new InvalidOperationException($"Connection '{name}' has no value. Set \"{name}\": \"UseDevelopmentStorage=true\" (or a connection string) in the Values of local.settings.json.");
    }

    public BlobServiceClient BlobService(string? connectionName)
    {
        string connectionString = ConnectionString(connectionName);
        return _clients.GetOrAdd(connectionString, static value => new BlobServiceClient(value));
    }
}
