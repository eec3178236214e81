using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace ServerlessML.Functions.Storage;

/// <summary>
/// Builds the client for the model storage account from the <c>ModelStorage</c> setting, the same
/// way the Functions bindings read a connection: a connection string, or identity-based settings
/// (<c>ModelStorage__blobServiceUri</c>, with <c>ModelStorage__clientId</c> for a user-assigned identity).
/// </summary>
public static class ModelStorageClient
{
    public const string ConnectionSetting = "ModelStorage";

    public static BlobServiceClient Create(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? connectionString = configuration[ConnectionSetting];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new BlobServiceClient(connectionString);
        }

        var section = configuration.GetSection(ConnectionSetting);
        string? serviceUri = section["blobServiceUri"] ?? section["serviceUri"]
            ?? (section["accountName"] is { Length: > 0 } account ? $"https://{account}.blob.core.windows.net" : null);
        if (serviceUri is null)
        {
            throw new InvalidOperationException(
                $"App setting '{ConnectionSetting}' is missing: set it to a storage connection string, or set " +
                $"'{ConnectionSetting}__blobServiceUri' (and '{ConnectionSetting}__clientId' for a user-assigned identity).");
        }

        string? clientId = section["clientId"];
        var credential = clientId is { Length: > 0 }
            ? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId })
            : new DefaultAzureCredential();
        return new BlobServiceClient(new Uri(serviceUri), credential);
    }
}
