using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServerlessML.Functions.Logging;
using ServerlessML.Inference;
using ServerlessML.Logging;
using ServerlessML.Registry;
using ServerlessML.Testing;
using ServerlessML.Testing.Onnx;

namespace ServerlessML.Functions.Tests.Logging;

/// <summary>
/// PredictionLogService in a generic host wired as Program.cs wires it (AddModelServing, AddPredictionLog,
/// PredictionLogTelemetry, AddHostedService), over Azurite, with predictions made through the real serving path.
/// The flush interval is an hour, so whatever reaches storage got there because the host stopped.
/// </summary>
public class PredictionLogServiceTests
{
    private const string OneRow = """{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""";
    private const string TwoRows = """{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]}]}""";

    [Fact]
    public async Task Stopping_the_host_writes_every_buffered_record_before_the_flush_interval_is_up()
    {
        await using var app = await LoggingApp.CreateAsync(new PredictionLogOptions { FlushInterval = TimeSpan.FromHours(1) });
        await app.Host.StartAsync();

        for (int i = 0; i < 10; i++)
        {
            await app.InferAsync(TwoRows, $"drain-{i}");
        }

        Assert.Empty(await app.BlobsAsync());
        await app.Host.StopAsync();

        var blob = Assert.Single(await app.BlobsAsync());
        Assert.Equal((20, 0), (blob.Records, blob.Dropped));
        var records = await app.RecordsAsync();
        Assert.Equal(20, records.Count);
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal([0, 1], records.Where(r => r.RequestId == $"drain-{i}").Select(r => r.Row!.Value).Order()));
        Assert.All(records, r => Assert.Equal((app.Model, "1", "production", "ok"), (r.Model, r.Version, r.Route, r.Status)));
        Assert.Equal(0, app.Log.DroppedRecords);
        Assert.Equal(0, app.Log.BufferedRecords);
        app.Telemetry.Flush();
        Assert.DoesNotContain(app.Telemetry.Metrics(), m => m.Series.Name == "PredictionLogDropped");
    }

    [Fact]
    public async Task A_full_buffer_answers_every_request_and_counts_the_drops_in_the_metric_and_the_blob_metadata()
    {
        await using var app = await LoggingApp.CreateAsync(new PredictionLogOptions { FlushInterval = TimeSpan.FromHours(1), Capacity = 3 });

        // Before the host starts nothing takes records out of the buffer: requests 3 and 4 find it full.
        for (int i = 0; i < 5; i++)
        {
            var response = await app.InferAsync(OneRow, $"full-{i}");
            Assert.Equal("1", response.ModelVersion);
        }

        Assert.Equal((3, 2), (app.Log.BufferedRecords, app.Log.DroppedRecords));
        Assert.True(app.Logs.Contains($"Prediction log records of model {app.Model} are being dropped: the buffer is full"));
        await app.Host.StartAsync();
        await app.Host.StopAsync();

        var blob = Assert.Single(await app.BlobsAsync());
        Assert.Equal((3, 2), (blob.Records, blob.Dropped));
        Assert.Equal(["full-0", "full-1", "full-2"], (await app.RecordsAsync()).Select(r => r.RequestId).Order());
        app.Telemetry.Flush();
        var dropped = Assert.Single(app.Telemetry.Metrics(), m => m.Series.Name == "PredictionLogDropped");
        Assert.Equal((app.Model, 2.0), (dropped.Series.Model, dropped.Sum));
    }

    [Fact]
    public async Task Requests_after_the_host_stopped_are_answered_and_their_records_counted_as_dropped()
    {
        await using var app = await LoggingApp.CreateAsync(new PredictionLogOptions { FlushInterval = TimeSpan.FromHours(1) });
        await app.Host.StartAsync();
        await app.InferAsync(OneRow, "before-stop");
        await app.Host.StopAsync();

        // Two rows make two records: both are counted, though no detail is captured once the log is shut down.
        var late = await app.InferAsync(TwoRows, "after-stop");

        Assert.Equal("1", late.ModelVersion);
        Assert.Equal(["before-stop"], (await app.RecordsAsync()).Select(r => r.RequestId));
        Assert.Equal(2, app.Log.DroppedRecords);
        app.Telemetry.Flush();
        var dropped = Assert.Single(app.Telemetry.Metrics(), m => m.Series.Name == "PredictionLogDropped");
        Assert.Equal((app.Model, 2.0), (dropped.Series.Model, dropped.Sum));
    }

    [Fact]
    public async Task A_shutdown_cut_short_by_the_host_counts_what_it_did_not_write_as_dropped()
    {
        await using var app = await LoggingApp.CreateAsync(new PredictionLogOptions { FlushInterval = TimeSpan.FromHours(1) });
        await app.Host.StartAsync();
        for (int i = 0; i < 5; i++)
        {
            await app.InferAsync(TwoRows, $"cut-{i}");
        }

        // The host's shutdown timeout has already run out: the drain is abandoned, not waited for.
        await app.Host.StopAsync(new CancellationToken(canceled: true));

        // Every record is either in storage or counted, in the metric too; none is lost without a trace.
        int written = (await app.RecordsAsync()).Count;
        Assert.Equal(10, written + app.Log.DroppedRecords);
        Assert.True(app.Log.DroppedRecords > 0, $"{written} records were written although the shutdown was cut short before the drain.");
        app.Telemetry.Flush();
        var dropped = Assert.Single(app.Telemetry.Metrics(), m => m.Series.Name == "PredictionLogDropped");
        Assert.Equal(app.Log.DroppedRecords, (long)dropped.Sum);
        Assert.True(app.Logs.Contains("The prediction log writer was stopped with"));
    }

    /// <summary>A host with the Functions app's prediction log registrations, a published model, and telemetry captured in memory.</summary>
    private sealed class LoggingApp : IAsyncDisposable
    {
        private LoggingApp(IHost host, string model, TelemetryCapture telemetry, CapturedLogs logs)
        {
            Host = host;
            Model = model;
            Telemetry = telemetry;
            Logs = logs;
        }

        public IHost Host { get; }

        public string Model { get; }

        public TelemetryCapture Telemetry { get; }

        public CapturedLogs Logs { get; }

        public PredictionLog Log => Host.Services.GetRequiredService<PredictionLog>();

        public static async Task<LoggingApp> CreateAsync(PredictionLogOptions options)
        {
            var telemetry = new TelemetryCapture();
            var logs = new CapturedLogs();
            var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Logging.AddProvider(logs);
            builder.Services.AddSingleton(await TestStorage.ServiceClientAsync());
            builder.Services.AddSingleton(telemetry.Client);
            builder.Services.Configure<PredictionLogOptions>(o =>
            {
                o.FlushInterval = options.FlushInterval;
                o.Capacity = options.Capacity;
                o.InstanceName = "functions-test";
            });
            builder.Services.AddModelServing();
            builder.Services.AddPredictionLog();
            builder.Services.AddSingleton<IPredictionLogMetrics, PredictionLogTelemetry>();
            builder.Services.AddHostedService<PredictionLogService>();
            var host = builder.Build();

            var store = host.Services.GetRequiredService<RegistryStore>();
            await store.EnsureContainerAsync();
            string model = TestStorage.UniqueName("log");
            await store.PublishAsync(model, "1", BinaryData.FromBytes(TestModels.DenseNetwork.Bytes()), null);
            return new LoggingApp(host, model, telemetry, logs);
        }

        public Task<ServingResponse> InferAsync(string json, string requestId) =>
            Host.Services.GetRequiredService<InferenceService>().InferAsync(new ServingRequest(Model, new MemoryStream(Encoding.UTF8.GetBytes(json))) { RequestId = requestId });

        public async Task<List<PredictionRecord>> RecordsAsync()
        {
            var now = DateTimeOffset.UtcNow;
            var records = new List<PredictionRecord>();
            await foreach (var record in Host.Services.GetRequiredService<PredictionLogReader>().ReadAsync(Model, now.AddDays(-1), now.AddDays(1)))
            {
                records.Add(record);
            }

            return records;
        }

        public async Task<List<PredictionLogBlob>> BlobsAsync()
        {
            var now = DateTimeOffset.UtcNow;
            var blobs = new List<PredictionLogBlob>();
            await foreach (var blob in Host.Services.GetRequiredService<PredictionLogReader>().ListBlobsAsync(Model, now.AddDays(-1), now.AddDays(1)))
            {
                blobs.Add(blob);
            }

            return blobs;
        }

        public async ValueTask DisposeAsync()
        {
            // Stopping twice is harmless; a test that failed before stopping leaves no writer running.
            await Host.StopAsync();
            Host.Dispose();
            Telemetry.Dispose();
        }
    }
}
