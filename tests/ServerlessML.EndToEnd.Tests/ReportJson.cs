using System.Globalization;
using Azure.Storage.Blobs;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>
/// Reading the JSON the app writes (reports in the reports container, management API answers). Dates stay the text
/// they were written as, so a test compares them exactly and derives blob paths from them.
/// </summary>
internal static class ReportJson
{
    private static readonly JsonSerializerSettings KeepDatesAsText = new() { DateParseHandling = DateParseHandling.None };

    public static JObject Parse(string json) => JsonConvert.DeserializeObject<JObject>(json, KeepDatesAsText)!;

    public static JArray ParseArray(string json) => JsonConvert.DeserializeObject<JArray>(json, KeepDatesAsText)!;

    /// <summary>The blob's JSON, or null while it does not exist yet (to poll with <see cref="ServerlessML.Testing.Eventually"/>).</summary>
    public static async Task<JObject?> ReadAsync(BlobContainerClient container, string name, CancellationToken cancellationToken = default)
    {
        var blob = container.GetBlobClient(name);
        return await blob.ExistsAsync(cancellationToken)
            ? Parse((await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToString())
            : null;
    }

    public static DateTimeOffset GeneratedUtc(JObject report) =>
        DateTimeOffset.Parse((string)report["generatedUtc"]!, CultureInfo.InvariantCulture);

    /// <summary>The folder of one report run, reports/{model}/yyyy/MM/dd/HHmm/, from the report's generatedUtc.</summary>
    public static string RunFolder(string model, JObject report) =>
        $"{model}/{GeneratedUtc(report).UtcDateTime:yyyy'/'MM'/'dd'/'HHmm}/";
}
