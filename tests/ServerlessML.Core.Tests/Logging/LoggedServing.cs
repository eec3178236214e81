using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessML.Inference;
using ServerlessML.Logging;
using ServerlessML.Testing;

namespace ServerlessML.Tests.Logging;

/// <summary>
/// The serving harness with a prediction log plugged in as the Functions app plugs it, its writer run
/// on demand (so a test can hold it back), and the reader over the test process's Azurite.
/// </summary>
internal sealed class LoggedServing : IAsyncDisposable
{
    private readonly CancellationTokenSource _abandon = new();
    private readonly ILoggerFactory _loggers;
    private Task? _writing;

    private LoggedServing(ServingHarness harness, PredictionLog log, PredictionLogWriter writer, PredictionLogReader reader, CountedDrops drops, CapturedLogs logs, ILoggerFactory loggers)
    {
        _loggers = loggers;
        Harness = harness;
        Log = log;
        Writer = writer;
        Reader = reader;
        Drops = drops;
        Logs = logs;
    }

    public ServingHarness Harness { get; }

    public PredictionLog Log { get; }

    public PredictionLogWriter Writer { get; }

    public PredictionLogReader Reader { get; }

    public CountedDrops Drops { get; }

    public CapturedLogs Logs { get; }

    public InferenceService Service => Harness.Service;

    public static async Task<LoggedServing> CreateAsync(PredictionLogOptions? options = null, TimeProvider? clock = null, ServingOptions? serving = null)
    {
        var blobs = await TestStorage.ServiceClientAsync();
        var logs = new CapturedLogs();
        var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var drops = new CountedDrops();
        var log = new PredictionLog(Options.Create(options ?? new PredictionLogOptions()), factory.CreateLogger<PredictionLog>(), drops, clock);
        var harness = await ServingHarness.CreateAsync(serving ?? new ServingOptions(), log);
        var sequence = new LogBlobSequence($"test-{Environment.ProcessId}", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var writer = new PredictionLogWriter(log, blobs, sequence, factory.CreateLogger<PredictionLogWriter>());
        return new LoggedServing(harness, log, writer, new PredictionLogReader(blobs), drops, logs, factory);
    }

    /// <summary>Starts the background writer.</summary>
    public void StartWriter() => _writing ??= Task.Run(() => Writer.RunAsync(_abandon.Token));

    /// <summary>What the host does at shutdown: close the log and wait for everything buffered to be written.</summary>
    public async Task ShutDownAsync()
    {
        StartWriter();
        Log.Complete();
        await _writing!;
    }

    public Task<ServingResponse> PredictAsync(string model, string json, string? requestId = null) =>
        Service.PredictAsync(new ServingRequest(model, Json.Body(json)) { RequestId = requestId });

    public Task<ServingResponse> InferAsync(string model, string json, string? requestId = null) =>
        Service.InferAsync(new ServingRequest(model, Json.Body(json)) { RequestId = requestId });

    /// <summary>Every record of the model written in the last and next day.</summary>
    public async Task<List<PredictionRecord>> RecordsAsync(string model, DateTimeOffset? around = null)
    {
        var now = around ?? DateTimeOffset.UtcNow;
        var records = new List<PredictionRecord>();
        await foreach (var record in Reader.ReadAsync(model, now.AddDays(-1), now.AddDays(1)))
        {
            records.Add(record);
        }

        return records;
    }

    public async Task<List<PredictionLogBlob>> BlobsAsync(string model, DateTimeOffset? around = null)
    {
        var now = around ?? DateTimeOffset.UtcNow;
        var blobs = new List<PredictionLogBlob>();
        await foreach (var blob in Reader.ListBlobsAsync(model, now.AddDays(-1), now.AddDays(1)))
        {
            blobs.Add(blob);
        }

        return blobs;
    }

    public async ValueTask DisposeAsync()
    {
        Log.Complete();
        if (_writing is not null)
        {
            await _abandon.CancelAsync();
            await _writing;
        }

        _abandon.Dispose();
        Harness.Dispose();
        _loggers.Dispose();
    }

    /// <summary>The drops reported to metrics, per model.</summary>
    public sealed class CountedDrops : IPredictionLogMetrics
    {
        public ConcurrentDictionary<string, long> ByModel { get; } = new();

        public void RecordsDropped(string model, int count) => ByModel.AddOrUpdate(model, count, (_, n) => n + count);
    }
}

/// <summary>A clock the test sets: the time requests arrive at.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
