using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ServerlessML.DevHost.Blobs;

/// <summary>A blob created or replaced, as an Event Grid <c>Microsoft.Storage.BlobCreated</c> event tells it.</summary>
public sealed record BlobCreatedEvent(string Container, string BlobName, string? ETag);

/// <summary>
/// Reads and writes the Event Grid events of the blob trigger's webhook: an array of events in the Event
/// Grid schema, or one CloudEvents event, as Azure sends them to <c>runtime/webhooks/blobs</c>.
/// </summary>
public static class BlobEvents
{
    public const string BlobCreatedType = "Microsoft.Storage.BlobCreated";

    public const string SubscriptionValidationType = "Microsoft.EventGrid.SubscriptionValidationEvent";

    private const string SubjectPrefix = "/blobServices/default/containers/";

    /// <summary>The BlobCreated events of a notification; other event types are counted in <paramref name="ignored"/>.</summary>
    public static IReadOnlyList<BlobCreatedEvent> ParseNotification(string json, out int ignored)
    {
        var events = ParseEvents(json);
        var created = new List<BlobCreatedEvent>();
        ignored = 0;
        foreach (var item in events)
        {
            string? type = item.Value<string>("eventType") ?? item.Value<string>("type");
            if (!BlobCreatedType.Equals(type, StringComparison.OrdinalIgnoreCase))
            {
                ignored++;
                continue;
            }

            var data = item["data"] as JObject;
            var (container, blob) = LocateBlob(item.Value<string>("subject"), data?.Value<string>("url"))
                ?? throw new InvalidDataException($"A BlobCreated event names no blob: its subject must be '{SubjectPrefix}<container>/blobs/<name>' or its data.url the blob's URL.");
            created.Add(new BlobCreatedEvent(container, blob, data?.Value<string>("eTag")));
        }

        return created;
    }

    /// <summary>The validation code of a SubscriptionValidation request.</summary>
    public static string ParseValidationCode(string json) =>
        ParseEvents(json).Select(e => (e["data"] as JObject)?.Value<string>("validationCode")).FirstOrDefault(code => !string.IsNullOrEmpty(code))
        ?? throw new InvalidDataException("A SubscriptionValidation request must carry data.validationCode in its first event.");

    /// <summary>A BlobCreated event in the Event Grid schema, as a storage account's system topic sends it.</summary>
    public static JObject CreateBlobCreated(Uri blobUri, string container, string blobName, string eTag, long contentLength, string? contentType) => new()
    {
        ["topic"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/devstoreaccount1",
        ["subject"] = $"{SubjectPrefix}{container}/blobs/{blobName}",
        ["eventType"] = BlobCreatedType,
        ["id"] = Guid.NewGuid().ToString(),
        ["eventTime"] = DateTime.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        ["dataVersion"] = "",
        ["metadataVersion"] = "1",
        ["data"] = new JObject
        {
            ["api"] = "PutBlob",
            ["eTag"] = eTag,
            ["contentType"] = contentType,
            ["contentLength"] = contentLength,
            ["blobType"] = "BlockBlob",
            ["url"] = blobUri.ToString(),
            ["sequencer"] = DateTime.UtcNow.Ticks.ToString("x32", System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    private static IReadOnlyList<JObject> ParseEvents(string json)
    {
        JToken root;
        try
        {
            root = JToken.Parse(json);
        }
        catch (JsonReaderException e)
        {
            throw new InvalidDataException($"The request body is not JSON: {e.Message}", e);
        }

        return root switch
        {
            JArray array => array.Select(item => item as JObject ?? throw new InvalidDataException($"Every event must be a JSON object, found {item.Type}.")).ToList(),
            JObject single => [single],
            _ => throw new InvalidDataException($"Expected an array of Event Grid events or one CloudEvents event, found {root.Type}."),
        };
    }

    private static (string Container, string Blob)? LocateBlob(string? subject, string? url)
    {
        if (subject is not null && subject.StartsWith(SubjectPrefix, StringComparison.Ordinal))
        {
            string rest = subject[SubjectPrefix.Length..];
            int marker = rest.IndexOf("/blobs/", StringComparison.Ordinal);
            if (marker > 0 && marker + 7 < rest.Length)
            {
                return (rest[..marker], rest[(marker + 7)..]);
            }
        }

        if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            var segments = uri.AbsolutePath.TrimStart('/').Split('/', 2);
            // Emulator URLs are path-style: /<account>/<container>/<blob>.
            if (uri.IsLoopback || System.Net.IPAddress.TryParse(uri.Host, out _))
            {
                segments = segments.Length == 2 ? segments[1].Split('/', 2) : [];
            }

            if (segments.Length == 2 && segments[1].Length > 0)
            {
                return (Uri.UnescapeDataString(segments[0]), Uri.UnescapeDataString(segments[1]));
            }
        }

        return null;
    }
}
