using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using Azure;
using Azure.Storage.Blobs.Models;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using ServerlessML.DevHost.Rpc;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost.Blobs;

public sealed class BlobDispatchOptions
{
    /// <summary>Failed attempts after which a blob version goes to the poison list (host.json poisonBlobThreshold).</summary>
    public int PoisonThreshold { get; init; } = 5;

    public int MaxDegreeOfParallelism { get; init; } = 8;

    /// <summary>Wait before the first retry; it doubles with each further failure, up to a minute.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>Where a blob event came from, for the log.</summary>
public enum BlobEventSource
{
    Watcher,
    Webhook,
}

public enum BlobDeliveryResult
{
    Delivered,

    /// <summary>A receipt says this version was delivered (or poisoned) before.</summary>
    AlreadyDelivered,
    Poisoned,

    /// <summary>Nothing to deliver: the blob is gone, does not match the path, or the function is not loaded.</summary>
    Skipped,

    /// <summary>Another host holds the receipt's lease and is delivering it.</summary>
    Busy,

    /// <summary>Storage or the host failed before the function could be tried; a later event retries it.</summary>
    NotAttempted,
}

/// <summary>
/// Delivers blob events to blob-triggered functions: each blob version (ETag) once per function, as
/// recorded by <see cref="BlobReceipts"/>; a failing invocation is retried with back-off, and after
/// <see cref="BlobDispatchOptions.PoisonThreshold"/> failures the version goes to the
/// <see cref="PoisonBlobQueue"/>. The function gets a <c>ModelBindingData</c> reference when it binds an
/// SDK type (BlobClient, Stream, byte[] through the worker's converters) or the content otherwise, and
/// trigger metadata with the path's tokens.
/// </summary>
public sealed class BlobTriggerDispatcher : IAsyncDisposable
{
    private readonly FunctionInvoker _invoker;
    private readonly BlobReceipts _receipts;
    private readonly PoisonBlobQueue _poison;
    private readonly BlobDispatchOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<(BlobTriggerWork Work, TaskCompletionSource<BlobDeliveryResult> Done)> _queue =
        Channel.CreateUnbounded<(BlobTriggerWork, TaskCompletionSource<BlobDeliveryResult>)>();
    private readonly ConcurrentDictionary<string, Task<BlobDeliveryResult>> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _consumers;
    private volatile IReadOnlyDictionary<string, BlobTriggerBinding> _bindings = new Dictionary<string, BlobTriggerBinding>();

    public BlobTriggerDispatcher(FunctionInvoker invoker, BlobReceipts receipts, PoisonBlobQueue poison, BlobDispatchOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _invoker = invoker;
        _receipts = receipts;
        _poison = poison;
        _options = options;
        _logger = logger;
        _consumers = Enumerable.Range(0, Math.Max(1, options.MaxDegreeOfParallelism)).Select(_ => Task.Run(ConsumeAsync)).ToArray();
    }

    /// <summary>The blob triggers of the current worker; replaced when a worker (re)starts.</summary>
    public IReadOnlyCollection<BlobTriggerBinding> Bindings => _bindings.Values.ToList();

    public void UseBindings(IEnumerable<BlobTriggerBinding> bindings) =>
        _bindings = bindings.ToDictionary(b => b.Function.Name, StringComparer.OrdinalIgnoreCase);

    public bool TryGetBinding(string functionName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BlobTriggerBinding? binding) =>
        _bindings.TryGetValue(functionName, out binding);

    /// <summary>Queues a blob event; the task completes when it is settled. The same work queued twice shares one delivery.</summary>
    public Task<BlobDeliveryResult> EnqueueAsync(BlobTriggerWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        string key = $"{work.FunctionName}\n{work.Container}\n{work.BlobName}\n{work.ETag}";
        var done = new TaskCompletionSource<BlobDeliveryResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = _pending.GetOrAdd(key, done.Task);
        if (pending != done.Task)
        {
            return pending;
        }

        _ = done.Task.ContinueWith(_ => _pending.TryRemove(key, out Task<BlobDeliveryResult>? _), TaskScheduler.Default);
        if (!_queue.Writer.TryWrite((work, done)))
        {
            done.TrySetResult(BlobDeliveryResult.NotAttempted);
        }

        return done.Task;
    }

    /// <summary>Runs the function once for a blob, outside receipts and retries (the admin "run now" call).</summary>
    public async Task<InvocationResponse> InvokeOnceAsync(string functionName, string container, string blobName, CancellationToken cancellationToken)
    {
        var binding = _bindings.TryGetValue(functionName, out var b) ? b : throw new InvalidOperationException($"{functionName} is not a loaded blob-triggered function.");
        if (!binding.Container.Name.Equals(container, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{functionName} watches container '{binding.Container.Name}', not '{container}'.");
        }

        var tokens = binding.Path.Match(blobName)
            ?? throw new InvalidOperationException($"Blob '{blobName}' does not match {functionName}'s path '{binding.Path.Path}'.");
        var properties = await binding.Container.GetBlobClient(blobName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var worker = await _invoker.GetWorkerAsync(cancellationToken).ConfigureAwait(false);
        var function = worker.Functions.TryGet(functionName, out var f) ? f : throw new InvalidOperationException($"{functionName} is not loaded.");
        var request = await BuildRequestAsync(function, binding, blobName, properties.Value, tokens, cancellationToken).ConfigureAwait(false);
        return await _invoker.InvokeAsync(worker, request, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_consumers).ConfigureAwait(false);
        while (_queue.Reader.TryRead(out var item))
        {
            item.Done.TrySetResult(BlobDeliveryResult.NotAttempted);
        }

        _stop.Dispose();
    }

    private async Task ConsumeAsync()
    {
        try
        {
            await foreach (var (work, done) in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                BlobDeliveryResult result;
                try
                {
                    result = await DeliverAsync(work, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    result = BlobDeliveryResult.NotAttempted;
                }
                catch (Exception e) when (e is RequestFailedException or WorkerUnavailableException or InvalidOperationException)
                {
                    _logger.LogError("{Function}: could not deliver {Container}/{Blob}: {Error}", work.FunctionName, work.Container, work.BlobName, e.Message);
                    result = BlobDeliveryResult.NotAttempted;
                }

                done.TrySetResult(result);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task<BlobDeliveryResult> DeliverAsync(BlobTriggerWork work, CancellationToken cancellationToken)
    {
        if (!_bindings.TryGetValue(work.FunctionName, out var binding) || !binding.Container.Name.Equals(work.Container, StringComparison.Ordinal))
        {
            _logger.LogWarning("{Function}: no blob trigger of that name watches container '{Container}'; event for {Blob} dropped.", work.FunctionName, work.Container, work.BlobName);
            return BlobDeliveryResult.Skipped;
        }

        if (binding.Path.Match(work.BlobName) is not { } tokens)
        {
            _logger.LogDebug("{Function}: {Container}/{Blob} does not match path '{Path}'.", work.FunctionName, work.Container, work.BlobName, binding.Path.Path);
            return BlobDeliveryResult.Skipped;
        }

        BlobProperties properties;
        try
        {
            properties = (await binding.Container.GetBlobClient(work.BlobName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            _logger.LogInformation("{Function}: {Container}/{Blob} no longer exists; nothing to deliver.", work.FunctionName, work.Container, work.BlobName);
            return BlobDeliveryResult.Skipped;
        }

        // Deliver the version the blob has now; an event about an older version is answered by it.
        var key = new BlobDeliveryKey(binding.Function.Name, work.Container, work.BlobName, properties.ETag.ToString());
        var claim = await _receipts.TryClaimAsync(key, cancellationToken).ConfigureAwait(false);
        if (claim is null)
        {
            var receipt = await _receipts.ReadAsync(key, cancellationToken).ConfigureAwait(false);
            _logger.LogDebug("{Function}: {Container}/{Blob} ({ETag}) {State}.", key.FunctionName, key.Container, key.BlobName, key.ETag, receipt?.IsCompleted == true ? "was delivered before" : "is being delivered by another host");
            return receipt?.IsCompleted == true ? BlobDeliveryResult.AlreadyDelivered : BlobDeliveryResult.Busy;
        }

        await using (claim.ConfigureAwait(false))
        {
            return await DeliverClaimedAsync(work, binding, key, properties, tokens, claim, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<BlobDeliveryResult> DeliverClaimedAsync(BlobTriggerWork work, BlobTriggerBinding binding, BlobDeliveryKey key, BlobProperties properties, IReadOnlyDictionary<string, string> tokens, ReceiptClaim claim, CancellationToken cancellationToken)
    {
        int failures = claim.Receipt.FailedAttempts;
        while (true)
        {
            var worker = await _invoker.GetWorkerAsync(cancellationToken).ConfigureAwait(false);
            if (!worker.Functions.TryGet(key.FunctionName, out var function))
            {
                _logger.LogWarning("{Function} is no longer loaded; {Container}/{Blob} not delivered.", key.FunctionName, key.Container, key.BlobName);
                return BlobDeliveryResult.Skipped;
            }

            var clock = Stopwatch.StartNew();
            string error;
            try
            {
                var request = await BuildRequestAsync(function, binding, key.BlobName, properties, tokens, cancellationToken).ConfigureAwait(false);
                var response = await _invoker.InvokeAsync(worker, request, cancellationToken).ConfigureAwait(false);
                if (response.Succeeded())
                {
                    await _receipts.CompleteAsync(claim, poisoned: false, cancellationToken).ConfigureAwait(false);
                    _logger.LogInformation("{Function}: {Container}/{Blob} delivered ({Source}, attempt {Attempt}, {Ms:F0} ms).", key.FunctionName, key.Container, key.BlobName, work.Source.ToString().ToLowerInvariant(), failures + 1, clock.Elapsed.TotalMilliseconds);
                    return BlobDeliveryResult.Delivered;
                }

                error = response.Error();
            }
            catch (WorkerUnavailableException e)
            {
                // The worker died under the invocation: not the blob's fault, so it does not count as an attempt.
                _logger.LogWarning("{Function}: {Container}/{Blob} interrupted ({Error}); retrying when the worker is back.", key.FunctionName, key.Container, key.BlobName, e.Message);
                continue;
            }
            catch (FunctionTimeoutException e)
            {
                error = e.Message;
            }

            failures++;
            if (failures >= _options.PoisonThreshold)
            {
                await _receipts.RecordFailureAsync(claim, failures, error, cancellationToken).ConfigureAwait(false);
                await _poison.AddAsync(key, cancellationToken).ConfigureAwait(false);
                await _receipts.CompleteAsync(claim, poisoned: true, cancellationToken).ConfigureAwait(false);
                _logger.LogError("{Function}: {Container}/{Blob} failed {Failures} times (poisonBlobThreshold {Threshold}) and went to the poison list (queue {Queue}). Last error: {Error}", key.FunctionName, key.Container, key.BlobName, failures, _options.PoisonThreshold, PoisonBlobQueue.QueueName, error);
                return BlobDeliveryResult.Poisoned;
            }

            await _receipts.RecordFailureAsync(claim, failures, error, cancellationToken).ConfigureAwait(false);
            var delay = TimeSpan.FromTicks(Math.Min(_options.RetryDelay.Ticks * (1L << Math.Min(failures - 1, 16)), TimeSpan.FromMinutes(1).Ticks));
            _logger.LogWarning("{Function}: {Container}/{Blob} failed (attempt {Attempt} of {Threshold}), retrying in {Delay:F1} s: {Error}", key.FunctionName, key.Container, key.BlobName, failures, _options.PoisonThreshold, delay.TotalSeconds, error);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<InvocationRequest> BuildRequestAsync(FunctionDescriptor function, BlobTriggerBinding binding, string blobName, BlobProperties properties, IReadOnlyDictionary<string, string> tokens, CancellationToken cancellationToken)
    {
        var request = FunctionInvoker.NewRequest(function);
        var blob = binding.Container.GetBlobClient(blobName);
        TypedData data;
        if (function.SupportsDeferredBinding)
        {
            // SDK-type binding: the worker gets a reference and reads the blob through its own connection setting.
            data = new TypedData
            {
                ModelBindingData = new ModelBindingData
                {
                    Version = "1.0",
                    Source = "AzureStorageBlobs",
                    ContentType = "application/json",
                    Content = ByteString.CopyFromUtf8(JsonConvert.SerializeObject(new { Connection = binding.ConnectionName, ContainerName = binding.Container.Name, BlobName = blobName })),
                },
            };
        }
        else
        {
            var content = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            data = "string".Equals(function.TriggerProperty("dataType"), StringComparison.OrdinalIgnoreCase)
                ? new TypedData { String = content.Value.Content.ToString() }
                : new TypedData { Bytes = ByteString.CopyFrom(content.Value.Content.ToMemory().Span) };
        }

        request.InputData.Add(new ParameterBinding { Name = function.TriggerParameterName, Data = data });
        request.TriggerMetadata["BlobTrigger"] = new TypedData { String = $"{binding.Container.Name}/{blobName}" };
        request.TriggerMetadata["Uri"] = new TypedData { Json = JsonConvert.SerializeObject(blob.Uri.ToString()) };
        request.TriggerMetadata["Properties"] = new TypedData
        {
            Json = JsonConvert.SerializeObject(new
            {
                properties.ContentLength,
                properties.ContentType,
                ETag = properties.ETag.ToString(),
                properties.LastModified,
                properties.CreatedOn,
                BlobType = properties.BlobType.ToString(),
            }),
        };
        request.TriggerMetadata["Metadata"] = new TypedData { Json = JsonConvert.SerializeObject(properties.Metadata) };
        foreach (var (token, value) in tokens)
        {
            request.TriggerMetadata[token] = new TypedData { String = value };
        }

        return request;
    }
}

/// <summary>A blob event for one function; <paramref name="ETag"/> is the version the event saw, when it says.</summary>
public sealed record BlobTriggerWork(string FunctionName, string Container, string BlobName, string? ETag, BlobEventSource Source);
