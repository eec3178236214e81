using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Storage.Blobs;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessML.Logging;
using ServerlessML.Monitoring;
using ServerlessML.Registry;
using ServerlessML.Reports;
using ServerlessML.Testing;

namespace ServerlessML.Benchmarks;

/// <summary>
/// The monitoring report over 1,000,000 and 5,000,000 logged predictions (20 completed hours in Azurite) against
/// only reading and parsing the same log (the baseline, so the Ratio column is report time over read time). Every
/// iteration deletes the stored hourly aggregates first, so the report reads the whole log each time. The peak
/// managed heap during each operation is sampled and printed as "peak heap" lines (and to
/// BenchmarkDotNet.Artifacts/report-peak-memory.txt): it must not grow with the number of predictions.
/// dotnet run -c Release --project benchmarks/ServerlessML.Benchmarks -- --filter '*ReportBenchmarks*'
/// </summary>
[Config(typeof(Monitoring))]
[MemoryDiagnoser]
public class ReportBenchmarks
{
    private const int RecordsPerBlob = 50_000;
    private static readonly DateTimeOffset Now = new(2026, 1, 10, 12, 30, 0, TimeSpan.Zero);
    private BlobServiceClient _blobs = null!;
    private string _model = "";
    private ReportGenerator _generator = null!;
    private HeapPeak? _peak;

    [Params(1_000_000, 5_000_000)]
    public int Predictions { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _blobs = await TestStorage.ServiceClientAsync();
        _model = $"bench-{Predictions}";
        var store = new RegistryStore(_blobs);
        await store.PublishAsync(_model, "1", BinaryData.FromString("model"), """
            {"task": "binary-classification", "positiveLabel": "yes", "sensitiveFeatures": ["group"],
             "features": [{"name": "x", "type": "float", "min": 0, "max": 100}, {"name": "c", "type": "string", "categories": ["a", "b", "c"]}]}
            """);
        var random = new Random(1);
        var profile = ReferenceProfile.Build(
            new Dictionary<string, IReadOnlyList<double?>> { ["x"] = Enumerable.Range(0, 5000).Select(_ => (double?)(random.NextDouble() * 100)).ToList() },
            new Dictionary<string, IReadOnlyList<string?>> { ["c"] = Enumerable.Range(0, 5000).Select(i => (string?)((char)('a' + (i % 3))).ToString()).ToList() });
        await store.Container.GetBlobClient(RegistryPaths.VersionFolder(_model, "1") + "reference-profile.json").UploadAsync(BinaryData.FromString(MonitoringJson.Serialize(profile)), overwrite: true);

        var predictions = _blobs.GetBlobContainerClient(LogPaths.PredictionsContainer);
        await predictions.CreateIfNotExistsAsync();
        var first = LogPaths.HourOf(Now).AddHours(-20);
        var text = new StringBuilder();
        // As the log writer does, every blob holds records of its own hour partition only (50,000 divides an hour's records).
        int perHour = Predictions / 20;
        for (int blob = 0; blob * RecordsPerBlob < Predictions; blob++)
        {
            text.Clear();
            int start = blob * RecordsPerBlob;
            var hour = first.AddHours(start / perHour);
            int end = Math.Min(Predictions, start + RecordsPerBlob);
            for (int i = start; i < end; i++)
            {
                var time = first + (TimeSpan.FromHours(20) * i / Predictions);
                double x = random.NextDouble() * 100;
                string stamp = time.UtcDateTime.ToString(PredictionLogSchema.TimeFormat, CultureInfo.InvariantCulture);
                string latency = (5 + (random.NextDouble() * 50)).ToString("0.###", CultureInfo.InvariantCulture);
                text.Append("{\"schema_version\":1,\"request_id\":\"r").Append(i).Append("\",\"row\":0,\"rows\":1,\"time\":\"").Append(stamp)
                    .Append("\",\"model\":\"").Append(_model).Append("\",\"version\":\"1\",\"route\":\"production\",\"protocol\":\"v1\",\"latency_ms\":").Append(latency)
                    .Append(",\"status\":\"ok\",\"sample_rate\":1,\"features\":{\"x\":").Append(x.ToString("0.####", CultureInfo.InvariantCulture))
                    .Append(",\"c\":\"").Append((char)('a' + (i % 3))).Append("\"},\"outputs\":{\"label\":\"").Append(x > 50 ? "yes" : "no")
                    .Append("\",\"probability\":").Append((x / 100).ToString("0.####", CultureInfo.InvariantCulture))
                    .Append("},\"context\":{\"group\":\"").Append(i % 5 == 0 ? "g2" : "g1").Append("\"}}\n");
            }

            await predictions.GetBlobClient(LogPaths.PredictionBlob(_model, hour, "bench", blob)).UploadAsync(BinaryData.FromString(text.ToString()), overwrite: true);
        }

        _generator = new ReportGenerator(
            _blobs, store, new PredictionLogReader(_blobs), new FeedbackReader(_blobs),
            Options.Create(new ReportOptions { FairnessBootstrapResamples = 200, TrendReports = 0 }), [], NullLogger<ReportGenerator>.Instance);
    }

    [IterationSetup]
    public void StartIteration()
    {
        // The report must read the whole log each iteration, not merge what the previous one stored.
        var reports = _blobs.GetBlobContainerClient(ReportPaths.Container);
        if (reports.Exists())
        {
            foreach (var item in reports.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{_model}/aggregates/", CancellationToken.None))
            {
                reports.DeleteBlob(item.Name);
            }
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        _peak = new HeapPeak();
    }

    [IterationCleanup]
    public void EndIteration()
    {
        long peak = _peak!.Stop();
        string line = $"peak heap {Predictions:N0} predictions: {peak / (1024.0 * 1024.0):0.0} MiB (working set peak of the process so far {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0):0} MiB)";
        Console.WriteLine(line);
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        File.AppendAllText(Path.Combine("BenchmarkDotNet.Artifacts", "report-peak-memory.txt"), line + Environment.NewLine);
    }

    [Benchmark(Baseline = true)]
    public async Task<long> ReadAndParseLog()
    {
        long rows = 0;
        await foreach (var record in new PredictionLogReader(_blobs).ReadAsync(_model, Now.AddHours(-24), Now))
        {
            rows += record.Rows;
        }

        return rows != Predictions ? throw new InvalidOperationException($"Read {rows} rows of {Predictions}.") : rows;
    }

    [Benchmark]
    public async Task<long> Report()
    {
        var report = await _generator.RunModelAsync(_model, Now) ?? throw new InvalidOperationException("No report.");
        long rows = report.Versions.Sum(v => v.Rows);
        return rows != Predictions ? throw new InvalidOperationException($"The report counted {rows} rows of {Predictions}.") : rows;
    }

    /// <summary>Samples the managed heap every few milliseconds; the largest size seen is the peak.</summary>
    private sealed class HeapPeak
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampling;
        private long _peak;

        public HeapPeak() => _sampling = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                await Task.Delay(5).ConfigureAwait(false);
            }
        });

        public long Stop()
        {
            _stop.Cancel();
            _sampling.GetAwaiter().GetResult();
            Sample();
            return Interlocked.Read(ref _peak);
        }

        private void Sample()
        {
            long now = GC.GetTotalMemory(false);
            long seen;
            while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
            {
            }
        }
    }

    private sealed class Monitoring : ManualConfig
    {
        // In process (the harness's Azurite holds the log); one cold pass per iteration, each a full read of the log.
        public Monitoring() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(0).WithIterationCount(3));
    }
}
