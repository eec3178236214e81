using System.Net;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using ServerlessML.Inference;
using ServerlessML.Logging;
using ServerlessML.Monitoring;
using ServerlessML.Registry;
using DriftProfile = ServerlessML.Monitoring.ReferenceProfile;

namespace ServerlessML.Reports;

/// <summary>
/// The scheduled monitoring report (design section 7): for each model, each version with traffic in the window.
/// Completed hours are aggregated once and stored (<see cref="ReportPaths.HourAggregate"/>), so a window is a merge
/// of hourly aggregates; only the incomplete hours at the window's edges, and hours whose labels changed within the
/// label horizon, are read from the prediction log again. The log is streamed: memory holds the aggregates and the
/// window's feedback labels, never the predictions.
/// </summary>
public sealed class ReportGenerator
{
    /// <summary>Failed requests that never reached a version are reported under this name.</summary>
    public const string UnresolvedVersion = "(no version)";

    private static readonly JsonSerializerSettings FileJson = new()
    {
        Formatting = Formatting.Indented,
        DateParseHandling = DateParseHandling.None,
        FloatParseHandling = FloatParseHandling.Double,
    };

    private readonly RegistryStore _store;
    private readonly PredictionLogReader _predictions;
    private readonly FeedbackReader _feedback;
    private readonly BlobContainerClient _reports;
    private readonly ReportOptions _options;
    private readonly IEnumerable<IReportObserver> _observers;
    private readonly ILogger<ReportGenerator> _logger;
    private readonly TrafficSwitch _traffic;

    /// <param name="traffic">
    /// Applies the canary judgement; the serving host's switch, so that its record cache sees the change at once.
    /// Without one the generator uses its own, over the same registry.
    /// </param>
    public ReportGenerator(
        BlobServiceClient blobs, RegistryStore store, PredictionLogReader predictions, FeedbackReader feedback,
        IOptions<ReportOptions> options, IEnumerable<IReportObserver> observers, ILogger<ReportGenerator> logger, TrafficSwitch? traffic = null)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        _traffic = traffic ?? new TrafficSwitch(store, new RecordCache(store, TimeSpan.Zero));
        _store = store;
        _predictions = predictions;
        _feedback = feedback;
        _reports = blobs.GetBlobContainerClient(ReportPaths.Container);
        _options = options.Value;
        _options.Validate();
        _observers = observers;
        _logger = logger;
    }

    /// <summary>Reports every model that has a record and traffic in the window ending at <paramref name="now"/>.</summary>
    public async Task<IReadOnlyList<ModelReport>> RunAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var reports = new List<ModelReport>();
        await foreach (string model in _store.ListModelsAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (await RunModelAsync(model, now, cancellationToken).ConfigureAwait(false) is { Versions.Count: > 0 } report)
                {
                    reports.Add(report);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // One model's bad data, bad settings or a bug its data meets must not stop the others' reports.
                _logger.LogError(e, "The monitoring report of model {Model} failed: {Message}", model, e.Message);
            }
        }

        return reports;
    }

    /// <summary>
    /// Reports one model over the window ending at <paramref name="now"/> and writes report.json, report.html,
    /// fairness.json, latest.json and latest.html; null when the model has no record. A model without traffic in
    /// the window gets a report without versions, which is not written.
    /// </summary>
    public async Task<ModelReport?> RunModelAsync(string model, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (await _store.ReadRecordAsync(model, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            return null;
        }

        now = now.ToUniversalTime();
        var from = now - _options.Window;
        var layouts = new LayoutCache(_store, model);
        // Labels arrive after their predictions: those of both windows (current and previous) were received since the
        // previous window began. Only these ids and labels are held in memory; predictions are streamed.
        var labels = await FeedbackLabels.ReadAsync(_feedback, model, from - _options.Window, now, cancellationToken).ConfigureAwait(false);
        var window = new ReportWindow { From = from, To = now };
        var current = await AggregateAsync(model, from, now, now, labels, layouts, window, cancellationToken).ConfigureAwait(false);

        var report = new ModelReport
        {
            Model = model,
            GeneratedUtc = now,
            Window = window,
            Configuration = new ReportConfiguration
            {
                Window = _options.Window,
                LabelHorizon = _options.LabelHorizon,
                LateLabels = $"Completed hours are aggregated once and stored. Feedback labels are joined to predictions by request id and row. "
                    + $"An hour younger than the label horizon ({_options.LabelHorizon}) is aggregated again when feedback arrived after it was stored; "
                    + "older hours are final, and labels arriving for them later are not counted.",
            },
        };
        if (current.Count == 0)
        {
            return report;
        }

        // Without a reference profile, drift compares with the previous window; predictions always do.
        var previousWindow = new ReportWindow();
        var previous = await AggregateAsync(model, from - _options.Window, from, now, labels, layouts, previousWindow, cancellationToken).ConfigureAwait(false);
        foreach (var (version, aggregate) in current.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            var layout = await layouts.GetAsync(version, cancellationToken).ConfigureAwait(false);
            var section = ReportBuilder.Build(layout, aggregate, previous.GetValueOrDefault(version), record.Record.FindVersion(version), _options);
            report.Versions.Add(section);
            report.Breaches.AddRange(ReportBuilder.Breaches(section));
        }

        if (record.Record.Traffic is { Canary: { } canary, Production: { } production })
        {
            report.Canary = await JudgeCanaryAsync(model, canary, production, from, now, layouts, cancellationToken).ConfigureAwait(false);
        }

        var trend = await ReadTrendAsync(model, now, cancellationToken).ConfigureAwait(false);
        await WriteAsync(report, trend, cancellationToken).ConfigureAwait(false);
        foreach (var observer in _observers)
        {
            observer.ReportWritten(report);
        }

        return report;
    }

    /// <summary>
    /// Judges the canary (<see cref="CanaryJudge"/>) on its canary-route traffic against production's production-route
    /// traffic since the canary started (at most the report window), and applies a promotion or rollback through the
    /// traffic switch's compare-and-swap, which does nothing when the canary or production changed meanwhile.
    /// </summary>
    private async Task<CanaryJudgement> JudgeCanaryAsync(
        string model, CanaryPolicy canary, string production, DateTimeOffset from, DateTimeOffset now, LayoutCache layouts, CancellationToken cancellationToken)
    {
        var since = canary.StartedUtc is { } started && started > from ? Min(started, now) : from;
        var canaryLayout = await layouts.GetAsync(canary.Version, cancellationToken).ConfigureAwait(false);
        var productionLayout = await layouts.GetAsync(production, cancellationToken).ConfigureAwait(false);
        // The window's aggregates mix routes in their prediction distributions and start on whole hours, so the canary's
        // own window is streamed once more: two aggregates, constant memory, only the two routes compared.
        var canaryAggregate = canaryLayout.CreateAggregate();
        var productionAggregate = productionLayout.CreateAggregate();
        await foreach (var logged in _predictions.ReadAsync(model, since, now, cancellationToken).ConfigureAwait(false))
        {
            if (logged.Version == canary.Version && logged.Route == CanaryJudge.CanaryRoute)
            {
                canaryAggregate.Observe(logged, null, canaryLayout);
            }
            else if (logged.Version == production && logged.Route == CanaryJudge.ProductionRoute)
            {
                productionAggregate.Observe(logged, null, productionLayout);
            }
        }

        var judgement = CanaryJudge.Judge(
            CanaryEvidence.FromAggregate(canary.Version, CanaryJudge.CanaryRoute, canaryAggregate),
            CanaryEvidence.FromAggregate(production, CanaryJudge.ProductionRoute, productionAggregate),
            canaryLayout.Manifest?.Rollout?.PromoteAfter,
            DriftOptions.FromManifest(canaryLayout.Manifest?.Monitoring));
        judgement.Percent = canary.Percent;
        judgement.Since = since;
        judgement.Until = now;
        if (judgement.Verdict is not (CanaryVerdict.Promote or CanaryVerdict.RollBack))
        {
            judgement.Action = "none: the traffic is left as it is";
            return judgement;
        }

        // The event keeps the figures; what was done is the event itself.
        var figures = JObject.FromObject(judgement);
        figures.Remove("action");
        figures.Remove("applied");
        var attribution = new TrafficAttribution(CanaryJudge.Actor, judgement.Reason, figures);
        try
        {
            var written = judgement.Verdict == CanaryVerdict.Promote
                ? await _traffic.PromoteCanaryAsync(model, canary.Version, production, attribution, cancellationToken).ConfigureAwait(false)
                : await _traffic.RollBackCanaryAsync(model, canary.Version, production, attribution, cancellationToken).ConfigureAwait(false);
            if (written is null)
            {
                var traffic = (await _store.ReadRecordAsync(model, cancellationToken).ConfigureAwait(false))?.Record.Traffic;
                judgement.Action = $"not applied: the traffic changed while the report ran (production is now {traffic?.Production ?? "none"}, "
                    + $"canary {traffic?.Canary?.Version ?? "none"}); a new canary is judged from its own start";
            }
            else
            {
                judgement.Applied = true;
                judgement.Action = judgement.Verdict == CanaryVerdict.Promote
                    ? $"promoted: version {canary.Version} is production, {production} is kept for rollback"
                    : $"rolled back: the canary {canary.Version} takes no more traffic, production stays {production}";
                _logger.LogInformation("Canary judge: model {Model} canary {Canary} {Action}. {Reason}", model, canary.Version, judgement.Verdict, judgement.Reason);
            }
        }
        catch (ServingException e)
        {
            // E.g. the canary version failed or vanished meanwhile: the report still goes out, saying why nothing changed.
            judgement.Action = $"not applied: {e.Message}";
            _logger.LogWarning(e, "Canary judge: model {Model} canary {Canary} could not be changed: {Message}", model, canary.Version, e.Message);
        }

        return judgement;
    }

    /// <summary>The stored latest.json of a model; null when none was written.</summary>
    public async Task<JObject?> ReadLatestAsync(string model, CancellationToken cancellationToken = default) =>
        await ReadJsonAsync(ReportPaths.LatestJson(model), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The window's aggregate per version: stored hours merged, missing or stale completed hours aggregated and stored,
    /// incomplete hours computed live.
    /// </summary>
    private async Task<Dictionary<string, VersionAggregate>> AggregateAsync(
        string model, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, FeedbackLabels labels, LayoutCache layouts, ReportWindow counts,
        CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, VersionAggregate>(StringComparer.Ordinal);
        var firstWholeHour = LogPaths.HourOf(from) == from ? from : LogPaths.HourOf(from).AddHours(1);
        // Whole hours end at the window's last hour boundary, and never include the current, incomplete hour.
        var lastWholeEnd = Min(LogPaths.HourOf(to), LogPaths.HourOf(now));
        if (firstWholeHour >= lastWholeEnd)
        {
            await MergeAsync(result, await ScanAsync(model, from, to, labels, layouts, cancellationToken).ConfigureAwait(false), layouts, cancellationToken).ConfigureAwait(false);
            counts.LiveSegments++;
            return result;
        }

        if (from < firstWholeHour)
        {
            await MergeAsync(result, await ScanAsync(model, from, firstWholeHour, labels, layouts, cancellationToken).ConfigureAwait(false), layouts, cancellationToken).ConfigureAwait(false);
            counts.LiveSegments++;
        }

        var storedNames = await ListHourAggregatesAsync(model, firstWholeHour, lastWholeEnd, cancellationToken).ConfigureAwait(false);
        for (var hour = firstWholeHour; hour < lastWholeEnd; hour = hour.AddHours(1))
        {
            var stored = storedNames.Contains(ReportPaths.HourAggregate(model, hour)) ? await ReadHourAsync(model, hour, cancellationToken).ConfigureAwait(false) : null;
            // An hour without predictions cannot gain labels, so only hours with rows are aggregated again.
            bool labelsChanged = stored is not null
                && stored.Versions.Values.Any(v => v.Rows > 0)
                && stored.LabelsThrough < hour.AddHours(1) + _options.LabelHorizon
                && labels.LatestReceived is { } latest && latest >= stored.LabelsThrough;
            if (stored is null || labelsChanged)
            {
                stored = new HourAggregate
                {
                    Model = model,
                    Hour = hour,
                    LabelsThrough = now,
                    Versions = await ScanAsync(model, hour, hour.AddHours(1), labels, layouts, cancellationToken).ConfigureAwait(false),
                };
                await UploadAsync(ReportPaths.HourAggregate(model, hour), JsonConvert.SerializeObject(stored, FileJson), "application/json", cancellationToken).ConfigureAwait(false);
                counts.AggregatedHours++;
            }
            else
            {
                counts.StoredHours++;
            }

            await MergeAsync(result, stored.Versions, layouts, cancellationToken).ConfigureAwait(false);
        }

        if (lastWholeEnd < to)
        {
            await MergeAsync(result, await ScanAsync(model, lastWholeEnd, to, labels, layouts, cancellationToken).ConfigureAwait(false), layouts, cancellationToken).ConfigureAwait(false);
            counts.LiveSegments++;
        }

        return result;
    }

    private static async Task MergeAsync(Dictionary<string, VersionAggregate> into, Dictionary<string, VersionAggregate> part, LayoutCache layouts, CancellationToken cancellationToken)
    {
        foreach (var (version, aggregate) in part)
        {
            if (!into.TryGetValue(version, out var merged))
            {
                into[version] = merged = (await layouts.GetAsync(version, cancellationToken).ConfigureAwait(false)).CreateAggregate();
            }

            merged.Merge(aggregate);
        }
    }

    /// <summary>Streams the log of [from, to) into one aggregate per version.</summary>
    private async Task<Dictionary<string, VersionAggregate>> ScanAsync(
        string model, DateTimeOffset from, DateTimeOffset to, FeedbackLabels labels, LayoutCache layouts, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, VersionAggregate>(StringComparer.Ordinal);
        await foreach (var record in _predictions.ReadAsync(model, from, to, cancellationToken).ConfigureAwait(false))
        {
            string version = record.Version ?? UnresolvedVersion;
            var layout = await layouts.GetAsync(version, cancellationToken).ConfigureAwait(false);
            if (!result.TryGetValue(version, out var aggregate))
            {
                result[version] = aggregate = layout.CreateAggregate();
            }

            aggregate.Observe(record, labels.Find(record.RequestId, record.Row), layout);
        }

        return result;
    }

    /// <summary>The stored hour aggregates of [from, to), listed one day at a time so that missing hours cost no failed read.</summary>
    private async Task<HashSet<string>> ListHourAggregatesAsync(string model, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!await _reports.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return names;
        }

        for (var day = new DateTimeOffset(from.UtcDateTime.Date, TimeSpan.Zero); day < to; day = day.AddDays(1))
        {
            string prefix = ReportPaths.HourAggregate(model, day)[..^"00.json".Length];
            await foreach (var item in _reports.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
            {
                names.Add(item.Name);
            }
        }

        return names;
    }

    private async Task<HourAggregate?> ReadHourAsync(string model, DateTimeOffset hour, CancellationToken cancellationToken)
    {
        string? text = await ReadTextAsync(ReportPaths.HourAggregate(model, hour), cancellationToken).ConfigureAwait(false);
        if (text is null)
        {
            return null;
        }

        try
        {
            var stored = JsonConvert.DeserializeObject<HourAggregate>(text, FileJson);
            return stored?.SchemaVersion == HourAggregate.CurrentSchemaVersion ? stored : null;
        }
        catch (JsonException e)
        {
            // A stored hour this build cannot read is aggregated again from the log rather than failing the report.
            _logger.LogWarning(e, "The stored aggregate {Hour} of model {Model} is unreadable; aggregating the hour again.", hour, model);
            return null;
        }
    }

    /// <summary>Past reports of this and the previous month, oldest first, for the trend chart.</summary>
    private async Task<List<JObject>> ReadTrendAsync(string model, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        if (_options.TrendReports > 0 && await _reports.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var month in new[] { now.AddMonths(-1), now })
            {
                await foreach (var item in _reports.GetBlobsAsync(BlobTraits.None, BlobStates.None, ReportPaths.MonthPrefix(model, month), cancellationToken).ConfigureAwait(false))
                {
                    if (item.Name.EndsWith("/" + ReportPaths.ReportJson, StringComparison.Ordinal))
                    {
                        names.Add(item.Name);
                    }
                }
            }
        }

        var trend = new List<JObject>();
        foreach (string name in names.Order(StringComparer.Ordinal).TakeLast(_options.TrendReports))
        {
            if (await ReadJsonAsync(name, cancellationToken).ConfigureAwait(false) is { } past)
            {
                trend.Add(past);
            }
        }

        return trend;
    }

    private async Task WriteAsync(ModelReport report, List<JObject> trend, CancellationToken cancellationToken)
    {
        string folder = ReportPaths.RunFolder(report.Model, report.GeneratedUtc);
        string json = JsonConvert.SerializeObject(report, FileJson);
        trend.Add(JObject.Parse(json));
        string html = ReportHtml.Render(report, trend);
        var fairness = new JObject
        {
            ["schemaVersion"] = ModelReport.CurrentSchemaVersion,
            ["model"] = report.Model,
            ["window"] = JObject.FromObject(report.Window),
            ["versions"] = new JArray(report.Versions.Select(v => new JObject
            {
                ["version"] = v.Version,
                ["fairness"] = v.Fairness is null ? null : JToken.FromObject(v.Fairness),
            })),
        };
        await UploadAsync(folder + ReportPaths.ReportJson, json, "application/json", cancellationToken).ConfigureAwait(false);
        await UploadAsync(folder + ReportPaths.FairnessJson, fairness.ToString(Formatting.Indented), "application/json", cancellationToken).ConfigureAwait(false);
        await UploadAsync(folder + ReportPaths.ReportHtml, html, "text/html; charset=utf-8", cancellationToken).ConfigureAwait(false);
        // latest.* last, so that it never points at a run whose files are incomplete.
        await UploadAsync(ReportPaths.LatestJson(report.Model), json, "application/json", cancellationToken).ConfigureAwait(false);
        await UploadAsync(ReportPaths.LatestHtml(report.Model), html, "text/html; charset=utf-8", cancellationToken).ConfigureAwait(false);
    }

    private async Task UploadAsync(string name, string text, string contentType, CancellationToken cancellationToken)
    {
        await _reports.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await _reports.GetBlobClient(name).UploadAsync(
            BinaryData.FromString(text),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<JObject?> ReadJsonAsync(string name, CancellationToken cancellationToken) =>
        await ReadTextAsync(name, cancellationToken).ConfigureAwait(false) is { } text
            ? JsonConvert.DeserializeObject<JObject>(text, FileJson)
            : null;

    private async Task<string?> ReadTextAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var content = await _reports.GetBlobClient(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToString();
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>Each version's layout, read once per run from its manifest and reference profile.</summary>
    private sealed class LayoutCache(RegistryStore store, string model)
    {
        private readonly Dictionary<string, VersionLayout> _layouts = new(StringComparer.Ordinal);

        public async Task<VersionLayout> GetAsync(string version, CancellationToken cancellationToken)
        {
            if (_layouts.TryGetValue(version, out var layout))
            {
                return layout;
            }

            ModelManifest? manifest = null;
            DriftProfile? profile = null;
            if (ModelNames.IsValidVersion(version))
            {
                if (await store.DownloadVersionFileAsync(model, version, RegistryPaths.ManifestFileName, cancellationToken).ConfigureAwait(false) is { } manifestJson)
                {
                    manifest = ModelManifest.Parse(manifestJson.ToString());
                }

                if (await store.DownloadVersionFileAsync(model, version, Deployment.ReferenceProfile.FileName, cancellationToken).ConfigureAwait(false) is { } profileJson)
                {
                    profile = MonitoringJson.Deserialize<DriftProfile>(profileJson.ToString());
                }
            }

            return _layouts[version] = new VersionLayout(version, manifest, profile);
        }
    }
}

/// <summary>The feedback labels received in a window, by request id and row: the only per-row state a report keeps.</summary>
public sealed class FeedbackLabels
{
    private readonly Dictionary<(string RequestId, int? Row), JValue> _labels = [];

    /// <summary>When the latest label was received; null without labels.</summary>
    public DateTimeOffset? LatestReceived { get; private set; }

    public int Count => _labels.Count;

    public static async Task<FeedbackLabels> ReadAsync(FeedbackReader reader, string model, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var labels = new FeedbackLabels();
        await foreach (var label in reader.ReadAsync(model, from, to, cancellationToken).ConfigureAwait(false))
        {
            // A later label for the same row corrects the earlier one.
            labels._labels[(label.RequestId, label.Row)] = label.Label;
            if (labels.LatestReceived is null || label.Time > labels.LatestReceived)
            {
                labels.LatestReceived = label.Time;
            }
        }

        return labels;
    }

    /// <summary>The label of a row, or of its whole request when the label named no row.</summary>
    public JValue? Find(string requestId, int? row) =>
        _labels.TryGetValue((requestId, row), out var label) || _labels.TryGetValue((requestId, null), out label) ? label : null;
}
