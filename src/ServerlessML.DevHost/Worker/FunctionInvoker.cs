using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using Newtonsoft.Json;
using ServerlessML.DevHost.Rpc;

namespace ServerlessML.DevHost.Worker;

/// <summary>Thrown when a function runs past host.json's functionTimeout.</summary>
public sealed class FunctionTimeoutException(string message) : Exception(message);

/// <summary>
/// Sends invocations to the running worker: waits for one during a restart, applies functionTimeout
/// (then sends InvocationCancel), and fills what every invocation needs (ids, trace context, sys metadata).
/// </summary>
public sealed class FunctionInvoker(WorkerProcess workers, TimeSpan? functionTimeout, TimeSpan workerWaitTimeout)
{
    public Task<LoadedWorker> GetWorkerAsync(CancellationToken cancellationToken) =>
        workers.WaitUntilLoadedAsync(workerWaitTimeout, cancellationToken);

    /// <summary>A request for <paramref name="function"/> with a new invocation id, trace context and <c>sys</c> metadata.</summary>
    public static InvocationRequest NewRequest(FunctionDescriptor function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var request = new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.Id,
            // The .NET worker throws a NullReferenceException for an invocation without a trace context.
            TraceContext = new RpcTraceContext { TraceParent = NewTraceParent() },
        };
        request.TriggerMetadata["sys"] = new TypedData
        {
            Json = JsonConvert.SerializeObject(new { MethodName = function.Name, UtcNow = DateTime.UtcNow, RandGuid = Guid.NewGuid() }),
        };
        return request;
    }

    public async Task<InvocationResponse> InvokeAsync(LoadedWorker worker, InvocationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (functionTimeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        try
        {
            var answer = await worker.Channel.RequestAsync(new StreamingMessage { InvocationRequest = request }, request.InvocationId, timeout.Token).ConfigureAwait(false);
            return answer.InvocationResponse;
        }
        catch (OperationCanceledException)
        {
            worker.Channel.Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = request.InvocationId, GracePeriod = Duration.FromTimeSpan(TimeSpan.Zero) } });
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new FunctionTimeoutException($"The invocation {request.InvocationId} ran longer than functionTimeout ({functionTimeout}) in host.json and was cancelled.");
        }
    }

    private static string NewTraceParent() =>
        $"00-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-00";
}

public static class InvocationResponseExtensions
{
    public static bool Succeeded(this InvocationResponse response) =>
        response?.Result is { Status: StatusResult.Types.Status.Success };

    /// <summary>The error of a failed invocation in one line (exception type and message).</summary>
    public static string Error(this InvocationResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var exception = response.Result?.Exception;
        string message = exception is null
            ? response.Result?.Result ?? "no result"
            : string.IsNullOrEmpty(exception.Type) ? exception.Message : $"{exception.Type}: {exception.Message}";
        return message.ReplaceLineEndings(" ");
    }
}
