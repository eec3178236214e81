using Azure.Storage.Queues;
using Newtonsoft.Json;

namespace ServerlessML.DevHost.Blobs;

/// <summary>An entry of the poison list: a blob version whose function failed on every attempt.</summary>
public sealed record PoisonBlobMessage(string Type, string FunctionId, string BlobType, string ContainerName, string BlobName, string ETag);

/// <summary>
/// The poison list of blob triggers: the host storage account's <c>webjobs-blobtrigger-poison</c> queue,
/// with the message the Functions host writes there.
/// </summary>
public sealed class PoisonBlobQueue(string hostStorageConnectionString)
{
    public const string QueueName = "webjobs-blobtrigger-poison";

    private readonly QueueClient _queue = new(hostStorageConnectionString, QueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public async Task AddAsync(BlobDeliveryKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var message = new PoisonBlobMessage("BlobTrigger", key.FunctionId, "BlockBlob", key.Container, key.BlobName, key.ETag);
        await _queue.SendMessageAsync(JsonConvert.SerializeObject(message), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Up to 32 entries, without removing them.</summary>
    public async Task<IReadOnlyList<PoisonBlobMessage>> PeekAsync(CancellationToken cancellationToken)
    {
        if (!await _queue.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        var peeked = await _queue.PeekMessagesAsync(32, cancellationToken).ConfigureAwait(false);
        return peeked.Value.Select(m => JsonConvert.DeserializeObject<PoisonBlobMessage>(m.Body.ToString())!).ToList();
    }
}
