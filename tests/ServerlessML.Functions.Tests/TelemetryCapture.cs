using System.Collections.Concurrent;
using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Channel;
using Microsoft.ApplicationInsights.DataContracts;
using Microsoft.ApplicationInsights.Extensibility;

namespace ServerlessML.Functions.Tests;

/// <summary>
/// A real <see cref="TelemetryClient"/> whose channel keeps what it is given in memory: the transport is the only
/// part replaced. <see cref="Flush"/> makes the client send its pre-aggregated metrics now, as it does every minute.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly InMemoryChannel _channel = new();
    private readonly TelemetryConfiguration _configuration;

    public TelemetryCapture()
    {
        _configuration = new TelemetryConfiguration
        {
            TelemetryChannel = _channel,
            ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000",
        };
        Client = new TelemetryClient(_configuration);
    }

    public TelemetryClient Client { get; }

    public IReadOnlyList<ITelemetry> Items => [.. _channel.Items];

    public void Flush() => Client.Flush();

    public List<EventTelemetry> Events(string name) => [.. Items.OfType<EventTelemetry>().Where(e => e.Name == name)];

    /// <summary>The aggregated metrics sent, one per series, keyed by name and the Model, Version and Part dimensions.</summary>
    public List<SentMetric> Metrics() =>
    [
        .. Items.OfType<MetricTelemetry>().Select(m => new SentMetric(
            (m.Name, Dimension(m, "Model"), Dimension(m, "Version"), Dimension(m, "Part")), m.Sum, m.Count ?? 0)),
    ];

    public void Dispose() => _configuration.Dispose();

    private static string Dimension(MetricTelemetry metric, string name) => metric.Properties.TryGetValue(name, out string? value) ? value : "";

    private sealed class InMemoryChannel : ITelemetryChannel
    {
        public ConcurrentQueue<ITelemetry> Items { get; } = new();

        public bool? DeveloperMode { get; set; }

        public string? EndpointAddress { get; set; }

        public void Send(ITelemetry item) => Items.Enqueue(item);

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>One metric series as sent: the sum and count of the values tracked in the aggregation period.</summary>
internal sealed record SentMetric((string Name, string Model, string Version, string Part) Series, double Sum, int Count);
