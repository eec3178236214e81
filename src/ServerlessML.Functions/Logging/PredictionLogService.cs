using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServerlessML.Logging;

namespace ServerlessML.Functions.Logging;

/// <summary>
/// Runs the prediction log's writer for the life of the worker, and at shutdown closes the log and
/// waits for everything buffered to be written (until the host's shutdown timeout cancels the wait).
/// </summary>
public sealed class PredictionLogService(PredictionLog log, PredictionLogWriter writer, ILogger<PredictionLogService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _abandon = new();
    private Task? _writing;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writing = Task.Run(WriteAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        log.Complete();
        if (_writing is null)
        {
            return;
        }

        // The host's shutdown timeout ends the drain: what is not written by then is counted as dropped.
        using var registration = cancellationToken.Register(_abandon.Cancel);
        await _writing.ConfigureAwait(false);
    }

    public void Dispose() => _abandon.Dispose();

    private async Task WriteAsync()
    {
        try
        {
            await writer.RunAsync(_abandon.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // From here on the buffer fills and records are dropped and counted; say why once, loudly.
            logger.LogCritical(e, "The prediction log writer stopped: predictions are no longer written to storage.");
        }
    }
}
