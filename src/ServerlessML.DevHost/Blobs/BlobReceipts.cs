using System.Globalization;
using System.Net;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace ServerlessML.DevHost.Blobs;

/// <summary>One version of one blob for one function: the unit that is delivered once.</summary>
public sealed record BlobDeliveryKey(string FunctionName, string Container, string BlobName, string ETag)
{
    /// <summary>The function id in receipt paths, as the Functions host names functions.</summary>
    public string FunctionId => "Host.Functions." + FunctionName;
}

/// <summary>What a receipt records about a delivery.</summary>
public sealed record BlobReceipt(bool IsCompleted, int FailedAttempts, bool Poisoned, string? LastError);

/// <summary>
/// Blob receipts as the Functions host keeps them, in the host storage account's
/// <c>azure-webjobs-hosts</c> container at <c>blobreceipts/{hostId}/{functionId}/{eTag}/{container}/{blob}</c>:
/// a receipt's metadata says whether that blob version was delivered (IsCompleted) and, in DevHost, how
/// many attempts failed. A lease on the receipt keeps two hosts from delivering the same version at once.
/// </summary>
public sealed class BlobReceipts(BlobServiceClient hostStorage, string hostId)
{
    public const string ContainerName = "azure-webjobs-hosts";

    private const string CompletedKey = "IsCompleted";
    private const string AttemptsKey = "FailedAttempts";
    private const string PoisonedKey = "Poisoned";
    private const string LastErrorKey = "LastError";

    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    private readonly BlobContainerClient _container = hostStorage.GetBlobContainerClient(ContainerName);

    public string HostId { get; } = hostId;

    /// <summary>The receipt blob's name for a delivery.</summary>
    public string ReceiptName(BlobDeliveryKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        // The ETag comes before the blob name, which may itself hold slashes.
        return $"blobreceipts/{HostId}/{key.FunctionId}/{key.ETag.Trim('"')}/{key.Container}/{key.BlobName}";
    }

    /// <summary>The receipt of a delivery; null when there is none.</summary>
    public async Task<BlobReceipt?> ReadAsync(BlobDeliveryKey key, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await Blob(key).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return FromMetadata(properties.Value.Metadata);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Claims a delivery: creates its receipt if needed and leases it. Null when the version was already
    /// delivered (or poisoned), or another host holds the lease.
    /// </summary>
    public async Task<ReceiptClaim?> TryClaimAsync(BlobDeliveryKey key, CancellationToken cancellationToken)
    {
        var blob = Blob(key);
        await CreateIfAbsentAsync(blob, cancellationToken).ConfigureAwait(false);
        var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var receipt = FromMetadata(properties.Value.Metadata);
        if (receipt.IsCompleted)
        {
            return null;
        }

        string leaseId;
        try
        {
            var lease = await blob.GetBlobLeaseClient().AcquireAsync(LeaseDuration, cancellationToken: cancellationToken).ConfigureAwait(false);
            leaseId = lease.Value.LeaseId;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
        {
            return null;
        }

        // Re-read under the lease: another host may have completed it in between.
        properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        receipt = FromMetadata(properties.Value.Metadata);
        var claim = new ReceiptClaim(blob, leaseId, receipt, LeaseDuration);
        if (receipt.IsCompleted)
        {
            await claim.DisposeAsync().ConfigureAwait(false);
            return null;
        }

        return claim;
    }

    /// <summary>Records a failed attempt; the receipt stays incomplete so the delivery can be retried.</summary>
    public Task RecordFailureAsync(ReceiptClaim claim, int failedAttempts, string error, CancellationToken cancellationToken) =>
        WriteAsync(claim, new BlobReceipt(false, failedAttempts, false, error), cancellationToken);

    /// <summary>Marks the delivery done: delivered, or given up on (<paramref name="poisoned"/>).</summary>
    public Task CompleteAsync(ReceiptClaim claim, bool poisoned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return WriteAsync(claim, claim.Receipt with { IsCompleted = true, Poisoned = poisoned }, cancellationToken);
    }

    private async Task WriteAsync(ReceiptClaim claim, BlobReceipt receipt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        await claim.Blob.SetMetadataAsync(ToMetadata(receipt), new BlobRequestConditions { LeaseId = claim.LeaseId }, cancellationToken).ConfigureAwait(false);
        claim.Receipt = receipt;
    }

    private BlockBlobClient Blob(BlobDeliveryKey key) => _container.GetBlockBlobClient(ReceiptName(key));

    private async Task CreateIfAbsentAsync(BlockBlobClient blob, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            Metadata = ToMetadata(new BlobReceipt(false, 0, false, null)),
        };
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await blob.UploadAsync(new MemoryStream([]), options, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
            {
                // It exists (a lease on it makes the service answer 412 rather than 409).
                return;
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound && attempt == 0)
            {
                await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static Dictionary<string, string> ToMetadata(BlobReceipt receipt)
    {
        var metadata = new Dictionary<string, string>
        {
            [CompletedKey] = receipt.IsCompleted ? "true" : "false",
            [AttemptsKey] = receipt.FailedAttempts.ToString(CultureInfo.InvariantCulture),
        };
        if (receipt.Poisoned)
        {
            metadata[PoisonedKey] = "true";
        }

        if (!string.IsNullOrEmpty(receipt.LastError))
        {
            metadata[LastErrorKey] = HeaderSafe(receipt.LastError);
        }

        return metadata;
    }

    private static BlobReceipt FromMetadata(IDictionary<string, string> metadata)
    {
        string? Get(string name) => metadata.FirstOrDefault(kv => kv.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
        return new BlobReceipt(
            bool.TryParse(Get(CompletedKey), out bool completed) && completed,
            int.TryParse(Get(AttemptsKey), NumberStyles.None, CultureInfo.InvariantCulture, out int attempts) ? attempts : 0,
            bool.TryParse(Get(PoisonedKey), out bool poisoned) && poisoned,
            Get(LastErrorKey));
    }

    /// <summary>Metadata travels in HTTP headers: printable ASCII only, and short.</summary>
    private static string HeaderSafe(string text)
    {
        var safe = new StringBuilder(Math.Min(text.Length, 512));
        foreach (char c in text)
        {
            if (safe.Length == 512)
            {
                break;
            }

            safe.Append(c is >= ' ' and <= '~' ? c : ' ');
        }

        return safe.ToString();
    }
}

/// <summary>A leased receipt; the lease is renewed until the claim is disposed, then released.</summary>
public sealed class ReceiptClaim : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;

    internal ReceiptClaim(BlockBlobClient blob, string leaseId, BlobReceipt receipt, TimeSpan leaseDuration)
    {
        Blob = blob;
        LeaseId = leaseId;
        Receipt = receipt;
        _renewal = RenewAsync(leaseDuration / 3, _stop.Token);
    }

    public BlockBlobClient Blob { get; }

    public string LeaseId { get; }

    /// <summary>The receipt as last read or written under this claim.</summary>
    public BlobReceipt Receipt { get; internal set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        try
        {
            await Blob.GetBlobLeaseClient(LeaseId).ReleaseAsync().ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
            // The lease expired or the receipt was deleted: nothing left to release.
        }

        _stop.Dispose();
    }

    private async Task RenewAsync(TimeSpan every, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(every, cancellationToken).ConfigureAwait(false);
                await Blob.GetBlobLeaseClient(LeaseId).RenewAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException)
        {
            // Lost the lease; the delivery finishes and its receipt write fails loudly if it matters.
        }
    }
}
