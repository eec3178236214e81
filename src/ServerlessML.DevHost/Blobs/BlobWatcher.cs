using System.Net;
using Azure;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;

namespace ServerlessML.DevHost.Blobs;

/// <summary>
/// Stands in for Event Grid locally: lists the containers that blob triggers watch, and hands every new
/// or changed blob (by ETag) to the dispatcher, the same way the webhook hands over Event Grid events.
/// Receipts, not this watcher's memory, decide what was delivered, so a restart re-delivers nothing.
/// </summary>
public sealed class BlobWatcher(BlobTriggerDispatcher dispatcher, TimeSpan interval, ILogger logger)
{
    // function + blob -> the ETag handed over last; forgotten again when that delivery was not attempted.
    private readonly Dictionary<(string Function, string Blob), ETag> _handedOver = [];
    private readonly object _gate = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await ScanOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e)
            {
                logger.LogWarning("Listing watched containers failed ({Status} {Code}); trying again in {Interval:F0} s.", e.Status, e.ErrorCode, interval.TotalSeconds);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>One pass over every watched container; returns how many blobs were handed over.</summary>
    public async Task<int> ScanOnceAsync(CancellationToken cancellationToken)
    {
        int handedOver = 0;
        foreach (var binding in dispatcher.Bindings)
        {
            try
            {
                await foreach (var item in binding.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, binding.Path.LiteralPrefix, cancellationToken).ConfigureAwait(false))
                {
                    if (item.Deleted || item.Properties.ETag is not { } etag || binding.Path.Match(item.Name) is null)
                    {
                        continue;
                    }

                    var key = (binding.Function.Name, item.Name);
                    lock (_gate)
                    {
                        if (_handedOver.TryGetValue(key, out var known) && known == etag)
                        {
                            continue;
                        }

                        _handedOver[key] = etag;
                    }

                    handedOver++;
                    var delivery = dispatcher.EnqueueAsync(new BlobTriggerWork(binding.Function.Name, binding.Container.Name, item.Name, etag.ToString(), BlobEventSource.Watcher));
                    _ = delivery.ContinueWith(t => ForgetIfNotAttempted(key, etag, t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                }
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
            {
                // The container does not exist yet; the first upload creates it.
            }
        }

        return handedOver;
    }

    private void ForgetIfNotAttempted((string, string) key, ETag etag, BlobDeliveryResult result)
    {
        if (result is BlobDeliveryResult.NotAttempted or BlobDeliveryResult.Busy)
        {
            lock (_gate)
            {
                if (_handedOver.TryGetValue(key, out var known) && known == etag)
                {
                    _handedOver.Remove(key);
                }
            }
        }
    }
}
