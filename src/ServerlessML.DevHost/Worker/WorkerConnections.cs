using System.Collections.Concurrent;

namespace ServerlessML.DevHost.Worker;

/// <summary>
/// Pairs worker processes with the gRPC streams they open: a process is started with a worker id,
/// and its StartStream message names that id.
/// </summary>
public sealed class WorkerConnections
{
    private readonly ConcurrentDictionary<string, (FunctionRpcChannel Channel, TaskCompletionSource<FunctionRpcChannel> Connected)> _expected = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Registers a worker about to start; the task completes when its stream opens.</summary>
    public Task<FunctionRpcChannel> Expect(FunctionRpcChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var connected = new TaskCompletionSource<FunctionRpcChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
        _expected[channel.WorkerId] = (channel, connected);
        return connected.Task;
    }

    public void Forget(string workerId) => _expected.TryRemove(workerId, out _);

    /// <summary>The channel for the worker that sent StartStream; null for a worker nobody started.</summary>
    internal FunctionRpcChannel? Accept(string workerId)
    {
        if (!_expected.TryRemove(workerId, out var entry))
        {
            return null;
        }

        entry.Connected.TrySetResult(entry.Channel);
        return entry.Channel;
    }
}
