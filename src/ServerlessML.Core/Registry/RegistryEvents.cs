using System.Globalization;
using System.Net;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ServerlessML.Registry;

/// <summary>The kinds of <see cref="RegistryEvent"/>; each is the last part of the event's blob name.</summary>
public static class RegistryEventKinds
{
    /// <summary>An upload passed the name, size and hash checks and is being validated.</summary>
    public const string Uploaded = "uploaded";

    /// <summary>The package loaded, matched its manifest and passed its smoke test; its files are in the version folder.</summary>
    public const string Validated = "validated";

    /// <summary>An upload was refused; nothing served changed.</summary>
    public const string Failed = "failed";

    /// <summary>An upload repeated a registered version byte for byte; nothing was done.</summary>
    public const string SkippedDuplicate = "skipped-duplicate";

    /// <summary>The version became production.</summary>
    public const string Promoted = "promoted";

    public const string CanaryStarted = "canary-started";

    public const string ShadowStarted = "shadow-started";

    /// <summary>The version is ready and gets no traffic until someone promotes it (manual strategy).</summary>
    public const string AwaitingApproval = "awaiting-approval";

    /// <summary>Production went back to an earlier version.</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>A canary ended without becoming production (the canary judge found it over its budget); production stayed.</summary>
    public const string CanaryRolledBack = "canary-rolled-back";

    /// <summary>The traffic policy changed through the management API (details hold the new policy).</summary>
    public const string TrafficChanged = "traffic-changed";
}

/// <summary>
/// One entry of a model's append-only history, <c>registry/{model}/events/{yyyyMMddTHHmmssfffZ}-{version}-{kind}.json</c>.
/// </summary>
public sealed class RegistryEvent
{
    public const int CurrentSchemaVersion = 1;

    [JsonProperty("schemaVersion")]
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    [JsonProperty("time")]
    public DateTimeOffset Time { get; set; }

    /// <summary>The model name as uploaded; for a refused name, the refused text itself.</summary>
    [JsonProperty("model")]
    public string Model { get; set; } = "";

    /// <summary>The version; null when the upload's name held no valid version.</summary>
    [JsonProperty("version")]
    public string? Version { get; set; }

    /// <summary>One of <see cref="RegistryEventKinds"/>.</summary>
    [JsonProperty("kind")]
    public string Kind { get; set; } = "";

    /// <summary>SHA-256 of the uploaded blob, when it was read.</summary>
    [JsonProperty("sha256", NullValueHandling = NullValueHandling.Ignore)]
    public string? Sha256 { get; set; }

    [JsonProperty("sizeBytes", NullValueHandling = NullValueHandling.Ignore)]
    public long? SizeBytes { get; set; }

    /// <summary>The uploaded blob, as container/name.</summary>
    [JsonProperty("source", NullValueHandling = NullValueHandling.Ignore)]
    public string? Source { get; set; }

    /// <summary>The deployment step the event is about (for a failure, the one that failed).</summary>
    [JsonProperty("step", NullValueHandling = NullValueHandling.Ignore)]
    public string? Step { get; set; }

    /// <summary>Why: for a failure, what was wrong and what to do about it.</summary>
    [JsonProperty("reason", NullValueHandling = NullValueHandling.Ignore)]
    public string? Reason { get; set; }

    /// <summary>Who caused it, for changes made through the management API or the canary judge.</summary>
    [JsonProperty("actor", NullValueHandling = NullValueHandling.Ignore)]
    public string? Actor { get; set; }

    [JsonProperty("details", NullValueHandling = NullValueHandling.Ignore)]
    public JObject? Details { get; set; }
}

/// <summary>
/// The append-only event log of the <c>registry</c> container. An event is written once and never
/// overwritten (create-if-absent); names sort by time, so a prefix listing reads the history in order.
/// </summary>
public sealed class RegistryEvents
{
    /// <summary>
    /// Where events of uploads whose model name is not allowed go. Model names cannot start with '_',
    /// so this folder is never a model's, and no refused name ever becomes part of a path.
    /// </summary>
    public const string RejectedNamesFolder = "_rejected";

    /// <summary>The version part of the blob name of an event that has no valid version ('_' cannot start a version).</summary>
    public const string NoVersion = "_";

    public const string TimestampFormat = "yyyyMMdd'T'HHmmssfff'Z'";

    private readonly BlobContainerClient _container;

    public RegistryEvents(RegistryStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _container = store.Container;
    }

    /// <summary>The folder holding a model's events; for a model name that is not allowed, <see cref="RejectedNamesFolder"/>.</summary>
    public static string Folder(string model) =>
        (ModelNames.IsValidModel(model) ? model : RejectedNamesFolder) + "/events/";

    /// <summary>The blob name of an event; the model and version go into it only when they are valid names.</summary>
    public static string EventPath(RegistryEvent registryEvent)
    {
        ArgumentNullException.ThrowIfNull(registryEvent);
        string version = ModelNames.IsValidVersion(registryEvent.Version) ? registryEvent.Version : NoVersion;
        string time = registryEvent.Time.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);
        return $"{Folder(registryEvent.Model)}{time}-{version}-{registryEvent.Kind}.json";
    }

    /// <summary>Writes the event; if another event already has its name (same millisecond), moves it on by a millisecond.</summary>
    public async Task<string> AppendAsync(RegistryEvent registryEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registryEvent);
        if (registryEvent.Time == default)
        {
            registryEvent.Time = DateTimeOffset.UtcNow;
        }

        for (int attempt = 0; ; attempt++)
        {
            string path = EventPath(registryEvent);
            try
            {
                await _container.GetBlobClient(path).UploadAsync(
                    BinaryData.FromString(JsonConvert.SerializeObject(registryEvent, RegistryStore.Json)),
                    new BlobUploadOptions
                    {
                        Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                        HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    },
                    cancellationToken).ConfigureAwait(false);
                return path;
            }
            catch (RequestFailedException e) when (attempt < 50 && e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
            {
                registryEvent.Time = registryEvent.Time.AddMilliseconds(1);
            }
        }
    }

    /// <summary>A model's events, oldest first; for a name that is not allowed (such as <see cref="RejectedNamesFolder"/>), the rejected-name events.</summary>
    public async Task<IReadOnlyList<RegistryEvent>> ListAsync(string model, CancellationToken cancellationToken = default)
    {
        var events = new List<(string Name, RegistryEvent Event)>();
        await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Folder(model), cancellationToken).ConfigureAwait(false))
        {
            var content = await _container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            var parsed = JsonConvert.DeserializeObject<RegistryEvent>(Encoding.UTF8.GetString(content.Value.Content.ToMemory().Span), RegistryStore.Json);
            if (parsed is not null)
            {
                events.Add((item.Name, parsed));
            }
        }

        // Listing is in name order already; sort anyway so the order never depends on the service.
        return events.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => e.Event).ToList();
    }
}
