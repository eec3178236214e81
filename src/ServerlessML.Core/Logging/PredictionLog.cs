using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessML.Inference;
using ServerlessML.Registry;

namespace ServerlessML.Logging;

/// <summary>Where the prediction log reports dropped records, besides its logs (Application Insights in the Functions app).</summary>
public interface IPredictionLogMetrics
{
    void RecordsDropped(string model, int count);
}

/// <summary>
/// The request side of the prediction log: samples each request by its id, and queues what the
/// <see cref="PredictionLogWriter"/> needs to write its records later, off the response path. The
/// queue is bounded by records and by input elements kept alive; past either bound a request's
/// records are dropped and counted (logs, <see cref="IPredictionLogMetrics"/>, the next blob's
/// metadata), never waited for.
/// </summary>
public sealed class PredictionLog : IPredictionObserver
{
    private readonly PredictionLogOptions _options;
    private readonly ILogger _logger;
    private readonly IPredictionLogMetrics? _metrics;
    private readonly TimeProvider _clock;
    private readonly Channel<PredictionLogEntry> _entries;
    private readonly ConditionalWeakTable<ModelManifest, LoggedFieldPolicy> _policies = new();
    private readonly LoggedFieldPolicy _defaultPolicy;
    private readonly ConcurrentDictionary<string, DropCounts> _drops = new(StringComparer.Ordinal);
    private long _bufferedRecords;
    private long _bufferedElements;
    private long _droppedTotal;
    private int _dropping;
    private volatile bool _completed;

    public PredictionLog(IOptions<PredictionLogOptions> options, ILogger<PredictionLog> logger, IPredictionLogMetrics? metrics = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _options.Validate();
        _logger = logger;
        _metrics = metrics;
        _clock = clock ?? TimeProvider.System;
        _defaultPolicy = new LoggedFieldPolicy(null, _options.HashSalt);
        // Unbounded as a channel, bounded by the record and element counts kept here: the bound is in
        // records, and one request may be many records.
        _entries = Channel.CreateUnbounded<PredictionLogEntry>(new UnboundedChannelOptions { SingleReader = true });
    }

    public PredictionLogOptions Options => _options;

    /// <summary>Records dropped since the start: buffer full, log closed, or a write that failed.</summary>
    public long DroppedRecords => Interlocked.Read(ref _droppedTotal);

    /// <summary>Records waiting for the writer.</summary>
    public long BufferedRecords => Interlocked.Read(ref _bufferedRecords);

    internal ChannelReader<PredictionLogEntry> Entries => _entries.Reader;

    internal TimeProvider Clock => _clock;

    public bool WantsDetail(string requestId, ModelManifest? manifest) =>
        _options.Enabled && !_completed && PredictionSampling.Keeps(requestId, SampleRate(manifest));

    public void OnPrediction(PredictionEvent prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        // Without a chosen version the model may not exist (unknown name, body refused before routing):
        // nothing to partition by, and no caller should create prefixes at will. Telemetry counts those.
        if (!_options.Enabled || prediction.Route is null || prediction.Version is null)
        {
            return;
        }

        double rate = SampleRate(prediction.Manifest);
        if (!PredictionSampling.Keeps(prediction.RequestId, rate))
        {
            return;
        }

        var detail = prediction.Error is null ? prediction.Detail : null;
        int records = detail is { PerRow: true } ? detail.Rows : 1;
        long elements = detail?.RetainedElements ?? 0;
        if (_completed)
        {
            // No detail was captured once the log shut down, so count the request's rows: the records it would have made.
            Drop(prediction.Model, prediction.Error is null ? Math.Max(1, prediction.Rows) : 1, "the log is shut down");
            return;
        }

        if (!TryReserve(records, elements))
        {
            Drop(prediction.Model, records, "the buffer is full");
            return;
        }

        var time = _clock.GetUtcNow() - prediction.Latency;
        var entry = new PredictionLogEntry(prediction, time, Math.Clamp(rate, 0, 1), PolicyFor(prediction.Manifest), records, elements);
        if (!_entries.Writer.TryWrite(entry))
        {
            Release(entry);
            Drop(prediction.Model, records, "the log is shut down");
        }
    }

    /// <summary>Stops taking records; the writer drains what is buffered and then ends.</summary>
    public void Complete()
    {
        _completed = true;
        _entries.Writer.TryComplete();
    }

    internal void Release(PredictionLogEntry entry)
    {
        Interlocked.Add(ref _bufferedRecords, -entry.Records);
        Interlocked.Add(ref _bufferedElements, -entry.Elements);
    }

    /// <summary>Counts records that will never be written, and says so at once on the first drop of a burst.</summary>
    internal void Drop(string model, int records, string reason)
    {
        Interlocked.Add(ref _droppedTotal, records);
        var counts = _drops.GetOrAdd(model, _ => new DropCounts());
        Interlocked.Add(ref counts.Unwritten, records);
        Interlocked.Add(ref counts.Unreported, records);
        _metrics?.RecordsDropped(model, records);
        if (Interlocked.Exchange(ref _dropping, 1) == 0)
        {
            _logger.LogWarning(
                "Prediction log records of model {Model} are being dropped: {Reason} (capacity {Capacity} records, {Elements} input elements). " +
                "Raise PredictionLog:Capacity, lower the manifest's logging.sampleRate, or check that the predictions container accepts writes.",
                model, reason, _options.Capacity, _options.MaxBufferedElements);
        }
    }

    /// <summary>Logs the drops counted since the last report, one line per model; called by the writer at each flush.</summary>
    internal void ReportDrops()
    {
        foreach (var (model, counts) in _drops)
        {
            long dropped = Interlocked.Exchange(ref counts.Unreported, 0);
            if (dropped > 0)
            {
                _logger.LogWarning("{Dropped} prediction log records of model {Model} were dropped since the last report ({Total} records in all since the start).",
                    dropped, model, DroppedRecords);
            }
        }

        Interlocked.Exchange(ref _dropping, 0);
    }

    /// <summary>Drops of the model not yet recorded in a written blob's metadata.</summary>
    internal long UnwrittenDrops(string model) => _drops.TryGetValue(model, out var counts) ? Interlocked.Read(ref counts.Unwritten) : 0;

    /// <summary>A blob carrying <paramref name="count"/> of the model's drops in its metadata was written.</summary>
    internal void DropsWritten(string model, long count)
    {
        if (count > 0 && _drops.TryGetValue(model, out var counts))
        {
            Interlocked.Add(ref counts.Unwritten, -count);
        }
    }

    private bool TryReserve(int records, long elements)
    {
        long bufferedRecords = Interlocked.Add(ref _bufferedRecords, records);
        long bufferedElements = Interlocked.Add(ref _bufferedElements, elements);
        if (bufferedRecords <= _options.Capacity && bufferedElements <= _options.MaxBufferedElements)
        {
            return true;
        }

        Interlocked.Add(ref _bufferedRecords, -records);
        Interlocked.Add(ref _bufferedElements, -elements);
        return false;
    }

    private static double SampleRate(ModelManifest? manifest) => manifest?.Logging?.SampleRate ?? 1;

    private LoggedFieldPolicy PolicyFor(ModelManifest? manifest)
    {
        if (manifest?.Logging is not { } logging || (logging.Exclude.Count == 0 && logging.Hash.Count == 0))
        {
            return _defaultPolicy;
        }

        // One policy per loaded manifest; it goes when the version is unloaded.
        return _policies.GetValue(manifest, m =>
        {
            var policy = new LoggedFieldPolicy(m.Logging, _options.HashSalt);
            if (policy.HashesWithoutSalt)
            {
                _logger.LogWarning("The manifest's logging.hash fields ({Fields}) are stored as plain SHA-256: set PredictionLog__HashSalt so that likely values cannot be looked up.",
                    string.Join(", ", logging.Hash));
            }

            return policy;
        });
    }

    private sealed class DropCounts
    {
        public long Unwritten;
        public long Unreported;
    }
}
