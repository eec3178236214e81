using System.Net;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Newtonsoft.Json;

namespace ServerlessML.Registry;

/// <summary>A record as read, with the ETag that a compare-and-swap must present.</summary>
public sealed record VersionedRecord(ModelRecord Record, ETag ETag);

/// <summary>
/// Reads and writes the <c>registry</c> container: <c>record.json</c> by ETag compare-and-swap and the
/// immutable version folders. Knows blob paths; knows nothing of HTTP or Functions.
/// </summary>
public sealed class RegistryStore
{
    /// <summary>How every registry JSON file (record, events) is written and read.</summary>
    internal static readonly JsonSerializerSettings Json = new()
    {
        Formatting = Formatting.Indented,
        DateParseHandling = DateParseHandling.DateTimeOffset,
        MissingMemberHandling = MissingMemberHandling.Ignore,
    };

    private readonly BlobContainerClient _container;

    public RegistryStore(BlobServiceClient service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _container = service.GetBlobContainerClient(RegistryPaths.RegistryContainer);
    }

    public BlobContainerClient Container => _container;

    public Task EnsureContainerAsync(CancellationToken cancellationToken = default) =>
        _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    /// <summary>Reads record.json; null when the model has none.</summary>
    public async Task<VersionedRecord?> ReadRecordAsync(string model, CancellationToken cancellationToken = default)
    {
        try
        {
            var content = await _container.GetBlobClient(RegistryPaths.Record(model)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return new VersionedRecord(ParseRecord(content.Value.Content), content.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads record.json unless its ETag still equals <paramref name="knownETag"/>; then returns
    /// <c>(false, null)</c> at the cost of one conditional request and no body.
    /// </summary>
    public async Task<(bool Changed, VersionedRecord? Record)> ReadRecordIfChangedAsync(string model, ETag? knownETag, CancellationToken cancellationToken = default)
    {
        if (knownETag is null)
        {
            return (true, await ReadRecordAsync(model, cancellationToken).ConfigureAwait(false));
        }

        try
        {
            var content = await _container.GetBlobClient(RegistryPaths.Record(model)).DownloadContentAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = knownETag } }, cancellationToken).ConfigureAwait(false);
            // A 304 comes back as a response without a body; reading its Value would throw.
            if (content.GetRawResponse().Status == (int)HttpStatusCode.NotModified)
            {
                return (false, null);
            }

            return (true, new VersionedRecord(ParseRecord(content.Value.Content), content.Value.Details.ETag));
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotModified)
        {
            return (false, null);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return (true, null);
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current record and writes it only if nobody wrote in
    /// between (ETag match, or create-if-absent); on a lost race it re-reads and re-applies.
    /// </summary>
    public async Task<VersionedRecord> UpdateRecordAsync(string model, Action<ModelRecord> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var blob = _container.GetBlobClient(RegistryPaths.Record(model));
        for (int attempt = 0; ; attempt++)
        {
            var current = await ReadRecordAsync(model, cancellationToken).ConfigureAwait(false);
            var record = current?.Record ?? new ModelRecord { Model = model };
            change(record);
            var conditions = current is null
                ? new BlobRequestConditions { IfNoneMatch = ETag.All }
                : new BlobRequestConditions { IfMatch = current.ETag };
            try
            {
                var written = await blob.UploadAsync(
                    BinaryData.FromString(JsonConvert.SerializeObject(record, Json)),
                    new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                    cancellationToken).ConfigureAwait(false);
                return new VersionedRecord(record, written.Value.ETag);
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
            {
                // Another writer won; back off a little, with jitter, and apply the change to its result.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 + (Math.Min(attempt, 10) * 20))), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Opens the served ONNX file of a version; null when it is missing.</summary>
    public async Task<BinaryData?> DownloadVersionFileAsync(string model, string version, string fileName, CancellationToken cancellationToken = default)
    {
        try
        {
            var content = await _container.GetBlobClient(RegistryPaths.VersionFolder(model, version) + fileName).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Lists the model names that have a record.</summary>
    public async IAsyncEnumerable<string> ListModelsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", null, cancellationToken).ConfigureAwait(false))
        {
            if (item.IsPrefix && ModelNames.IsValidModel(item.Prefix.TrimEnd('/')))
            {
                yield return item.Prefix.TrimEnd('/');
            }
        }
    }

    /// <summary>
    /// Writes a version's files and makes it the production version in one compare-and-swap. This is
    /// the served format that deployment produces; DevHost and tests use it directly until then.
    /// </summary>
    public async Task PublishAsync(string model, string version, BinaryData onnx, string? manifestJson = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        await _container.GetBlobClient(RegistryPaths.VersionModel(model, version)).UploadAsync(onnx, overwrite: true, cancellationToken).ConfigureAwait(false);
        if (manifestJson is not null)
        {
            await _container.GetBlobClient(RegistryPaths.VersionManifest(model, version))
                .UploadAsync(BinaryData.FromString(manifestJson), overwrite: true, cancellationToken).ConfigureAwait(false);
        }

        string sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(onnx.ToMemory().Span));
        await UpdateRecordAsync(model, record =>
        {
            record.Versions.RemoveAll(v => v.Version == version);
            record.Versions.Add(new ModelVersionRecord
            {
                Version = version,
                State = ModelVersionStates.Ready,
                Sha256 = sha256,
                SizeBytes = onnx.ToMemory().Length,
                RegisteredUtc = DateTimeOffset.UtcNow,
            });
            if (record.Traffic.Production is { } previous && previous != version)
            {
                record.ProductionHistory.Add(previous);
            }

            record.Traffic.Production = version;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static ModelRecord ParseRecord(BinaryData content)
    {
        var record = JsonConvert.DeserializeObject<ModelRecord>(Encoding.UTF8.GetString(content.ToMemory().Span), Json);
        return record ?? throw new InvalidDataException("record.json is empty.");
    }
}
