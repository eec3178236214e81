using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using ServerlessML.DevHost.Rpc;

namespace ServerlessML.DevHost.Worker;

/// <summary>Thrown to callers waiting on a worker that is gone or not running.</summary>
public sealed class WorkerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The gRPC event stream of one worker: a single writer for outgoing messages and correlation of
/// responses with requests (by request id, or by invocation id for invocations).
/// </summary>
public sealed class FunctionRpcChannel
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<RpcLog> _onLog;
    private readonly Action<StreamingMessage> _onUnexpected;

    public FunctionRpcChannel(string workerId, Action<RpcLog> onLog, Action<StreamingMessage> onUnexpected)
    {
        WorkerId = workerId;
        _onLog = onLog;
        _onUnexpected = onUnexpected;
    }

    public string WorkerId { get; }

    /// <summary>Completes with the reason when the stream ends.</summary>
    public Task<string> Closed => _closed.Task;

    /// <summary>Sends <paramref name="message"/> and waits for the message that answers it.</summary>
    /// <param name="correlationId">The id the answer carries: the request id, or the invocation id of an invocation.</param>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage message, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(correlationId, answer))
        {
            throw new InvalidOperationException($"A request with id {correlationId} is already waiting for its answer.");
        }

        try
        {
            if (_closed.Task.IsCompleted || !_outbound.Writer.TryWrite(message))
            {
                throw new WorkerUnavailableException($"The worker's stream is closed ({(_closed.Task.IsCompleted ? _closed.Task.Result : "closing")}).");
            }

            return await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(correlationId, out _);
        }
    }

    /// <summary>Sends a message that has no answer (WorkerTerminate, InvocationCancel); false when the stream is closed.</summary>
    public bool Send(StreamingMessage message) => !_closed.Task.IsCompleted && _outbound.Writer.TryWrite(message);

    /// <summary>Pumps the stream until either side ends it. Called by the gRPC service for this worker's call.</summary>
    internal async Task RunAsync(IAsyncStreamReader<StreamingMessage> input, IServerStreamWriter<StreamingMessage> output, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = WriteAllAsync(output, stop.Token);
        string reason = "the worker closed its stream";
        try
        {
            while (await input.MoveNext(stop.Token).ConfigureAwait(false))
            {
                Dispatch(input.Current);
            }
        }
        catch (OperationCanceledException)
        {
            reason = "the stream was cancelled";
        }
        catch (IOException e)
        {
            reason = "the connection broke: " + e.Message;
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode is StatusCode.Cancelled or StatusCode.Unavailable)
        {
            reason = "the connection broke: " + e.Status.Detail;
        }
        finally
        {
            Close(reason);
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or Grpc.Core.RpcException)
            {
                // The call is over; nothing more can be written.
            }
        }
    }

    /// <summary>Ends the channel: every waiting request fails with <see cref="WorkerUnavailableException"/>.</summary>
    public void Close(string reason)
    {
        if (!_closed.TrySetResult(reason))
        {
            return;
        }

        _outbound.Writer.TryComplete();
        foreach (var (id, waiting) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                waiting.TrySetException(new WorkerUnavailableException($"The worker went away before answering ({reason})."));
            }
        }
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> output, CancellationToken cancellationToken)
    {
        await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await output.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.RpcLog:
                _onLog(message.RpcLog);
                return;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                Complete(message.InvocationResponse.InvocationId, message);
                return;
            case StreamingMessage.ContentOneofCase.WorkerStatusRequest:
                // The worker may ask the host for its status; an empty response is all the protocol defines.
                Send(new StreamingMessage { RequestId = message.RequestId, WorkerStatusResponse = new WorkerStatusResponse() });
                return;
            default:
                Complete(message.RequestId, message);
                return;
        }
    }

    private void Complete(string correlationId, StreamingMessage message)
    {
        if (_pending.TryRemove(correlationId, out var waiting))
        {
            waiting.TrySetResult(message);
        }
        else
        {
            _onUnexpected(message);
        }
    }
}
