using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessML.Inference;
using ServerlessML.Registry;

namespace ServerlessML.Functions.Serving;

/// <summary>
/// Warms the served models when the worker starts (<see cref="ServingOptions.WarmUpOnStart"/>), in the
/// background: the worker starts taking requests at once, and a request for a version being warmed waits
/// for that same load. Stopping the worker cancels the warm-up.
/// </summary>
public sealed class ModelWarmupService : IHostedService, IDisposable
{
    private readonly ModelWarmup _warmup;
    private readonly ServingOptions _options;
    private readonly CancellationTokenSource _stopping = new();

    public ModelWarmupService(RegistryStore store, SessionCache sessions, IOptions<ServingOptions> options, ILogger<ModelWarmup> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _warmup = new ModelWarmup(store, sessions, _options, logger);
    }

    /// <summary>The warm-up under way or done; null when <see cref="ServingOptions.WarmUpOnStart"/> is off or before start.</summary>
    public Task<ModelWarmupSummary>? WarmUp { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.WarmUpOnStart)
        {
            // Not awaited: the worker's start must not wait for model downloads.
            WarmUp = Task.Run(() => _warmup.WarmAsync(_stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (WarmUp is Task warmUp)
        {
            // It returns promptly once canceled; the host's shutdown timeout bounds the wait all the same.
            await warmUp.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _stopping.Dispose();
}
