using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessML.Reports;

namespace ServerlessML.Functions.Monitoring;

/// <summary>
/// The scheduled monitoring and fairness report (design section 7): schedule from app setting
/// <c>MonitoringSchedule</c> (hourly by default), window from <c>MonitoringWindow</c> (24 hours by default).
/// </summary>
public sealed class MonitoringReport(ReportGenerator reports, TimeProvider clock, ILogger<MonitoringReport> logger)
{
    [Function(nameof(MonitoringReport))]
    public async Task Run([TimerTrigger("%MonitoringSchedule%")] TimerInfo timer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var written = await reports.RunAsync(clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        foreach (var report in written)
        {
            logger.LogInformation(
                "Monitoring report of {Model}: {Versions} version(s), {Breaches} threshold breach(es), window {From:u} to {To:u}.",
                report.Model, report.Versions.Count, report.Breaches.Count, report.Window.From, report.Window.To);
        }
    }
}
