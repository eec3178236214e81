using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using ServerlessML.DevHost.Rpc;

namespace ServerlessML.DevHost.Worker;

/// <summary>Thrown when a worker cannot be started or does not load its functions.</summary>
public sealed class WorkerStartException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class WorkerProcessOptions
{
    public required FunctionAppFolder App { get; init; }

    /// <summary>Environment variables of the worker on top of DevHost's own: app settings and host variables.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>How long a worker may take from spawn to all functions loaded.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a worker has to exit after WorkerTerminate before it is killed.</summary>
    public TimeSpan TerminateGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan FirstRestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRestartDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The host version announced in WorkerInitRequest (a 4.x Functions host).</summary>
    public string HostVersion { get; init; } = "4.1040.0.0";
}

/// <summary>A running worker with its functions loaded.</summary>
public sealed class LoadedWorker
{
    internal LoadedWorker(int generation, Process process, FunctionRpcChannel channel, FunctionIndex functions, IReadOnlyDictionary<string, string> capabilities, TimeSpan startupDuration)
    {
        Generation = generation;
        Process = process;
        Channel = channel;
        Functions = functions;
        Capabilities = capabilities;
        StartupDuration = startupDuration;
        HttpUri = capabilities.TryGetValue("HttpUri", out string? uri) && Uri.TryCreate(uri, UriKind.Absolute, out var parsed) ? parsed : null;
    }

    /// <summary>1 for the first worker, +1 for each restart.</summary>
    public int Generation { get; }

    public int ProcessId => Process.Id;

    internal Process Process { get; }

    public FunctionRpcChannel Channel { get; }

    public FunctionIndex Functions { get; }

    public IReadOnlyDictionary<string, string> Capabilities { get; }

    /// <summary>
    /// Set when the worker uses ASP.NET Core integration (<c>ConfigureFunctionsWebApplication</c>): it runs
    /// its own HTTP server there and HTTP requests are forwarded to it.
    /// </summary>
    public Uri? HttpUri { get; }

    /// <summary>Spawn to all functions loaded.</summary>
    public TimeSpan StartupDuration { get; }
}

/// <summary>
/// Starts the worker process of a Functions app, takes it through the host protocol's start sequence
/// (StartStream, WorkerInitRequest, FunctionsMetadataRequest, FunctionLoadRequest per function),
/// restarts it with back-off when it dies, and stops it with WorkerTerminate.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly WorkerProcessOptions _options;
    private readonly RpcServer _rpcServer;
    private readonly WorkerConnections _connections;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private TaskCompletionSource<LoadedWorker> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoadedWorker? _current;
    private Task _supervision = Task.CompletedTask;
    private int _generation;
    private volatile bool _stopRequested;

    public WorkerProcess(WorkerProcessOptions options, RpcServer rpcServer, WorkerConnections connections, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _rpcServer = rpcServer;
        _connections = connections;
        _logger = loggerFactory.CreateLogger("worker");
    }

    /// <summary>The running worker; null while it starts or restarts.</summary>
    public LoadedWorker? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Raised after every successful start, including restarts.</summary>
    public event Action<LoadedWorker>? Loaded;

    /// <summary>Starts the first worker; throws <see cref="WorkerStartException"/> with the worker's output when it fails.</summary>
    public async Task<LoadedWorker> StartAsync(CancellationToken cancellationToken)
    {
        var worker = await LaunchAsync(cancellationToken).ConfigureAwait(false);
        Publish(worker);
        _supervision = SuperviseAsync(worker);
        return worker;
    }

    /// <summary>Waits for a running worker (during a restart, for the new one).</summary>
    public Task<LoadedWorker> WaitUntilLoadedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task<LoadedWorker> ready;
        lock (_gate)
        {
            if (_current is { } current)
            {
                return Task.FromResult(current);
            }

            ready = _ready.Task;
        }

        return WaitAsync(ready, timeout, cancellationToken);

        static async Task<LoadedWorker> WaitAsync(Task<LoadedWorker> ready, TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                return await ready.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw new WorkerUnavailableException($"The worker is not running (it has been restarting for over {timeout.TotalSeconds:F0} s; see the [worker] log).", e);
            }
        }
    }

    /// <summary>
    /// Says a stop is coming, so a worker exit from now on is not a crash. Ctrl+C in a terminal reaches the
    /// worker too (same process group), and it may exit before <see cref="StopAsync"/> runs.
    /// </summary>
    public void MarkStopping() => _stopRequested = true;

    /// <summary>Sends WorkerTerminate, waits for the worker to exit, and kills it if it does not.</summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            await _supervision.ConfigureAwait(false);
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        var worker = Current;
        if (worker is not null)
        {
            await TerminateAsync(worker).ConfigureAwait(false);
        }

        try
        {
            await _supervision.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping cancels a restart in progress.
        }

        lock (_gate)
        {
            _ready.TrySetException(new WorkerUnavailableException("DevHost is stopping."));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task TerminateAsync(LoadedWorker worker)
    {
        var grace = _options.TerminateGracePeriod;
        worker.Channel.Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(grace) } });
        using var timeout = new CancellationTokenSource(grace + TimeSpan.FromSeconds(1));
        try
        {
            await worker.Process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            _logger.LogInformation("Worker (pid {Pid}) stopped.", worker.ProcessId);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Worker (pid {Pid}) did not exit within {Grace} s of WorkerTerminate; killing it.", worker.ProcessId, grace.TotalSeconds);
            Kill(worker.Process);
        }
    }

    private async Task SuperviseAsync(LoadedWorker worker)
    {
        var delay = _options.FirstRestartDelay;
        while (true)
        {
            var livedFor = Stopwatch.StartNew();
            await Task.WhenAny(worker.Process.WaitForExitAsync(CancellationToken.None), worker.Channel.Closed).ConfigureAwait(false);
            if (_stopping.IsCancellationRequested || _stopRequested)
            {
                await worker.Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }

            Withdraw(worker);
            if (!worker.Process.HasExited)
            {
                // A dying process usually breaks its stream a moment before it is seen to exit; wait briefly so the
                // message can give its exit code rather than the broken stream.
                using var exitWait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try
                {
                    await worker.Process.WaitForExitAsync(exitWait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            string what = worker.Process.HasExited
                ? $"exited unexpectedly with code {worker.Process.ExitCode}"
                : $"closed its gRPC stream ({await worker.Channel.Closed.ConfigureAwait(false)}) and is being killed";
            Kill(worker.Process);
            worker.Channel.Close("the worker process ended");
            if (livedFor.Elapsed > TimeSpan.FromMinutes(1))
            {
                delay = _options.FirstRestartDelay;
            }

            _logger.LogError("Worker (pid {Pid}) {What}. Its last output:{Tail}", worker.ProcessId, what, Tail(worker.Process));
            while (true)
            {
                _logger.LogWarning("Restarting the worker in {Delay:F1} s.", delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRestartDelay.Ticks));
                try
                {
                    worker = await LaunchAsync(_stopping.Token).ConfigureAwait(false);
                    Publish(worker);
                    break;
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (WorkerStartException e)
                {
                    _logger.LogError("Worker restart failed: {Message}", e.Message);
                }
            }
        }
    }

    private void Publish(LoadedWorker worker)
    {
        lock (_gate)
        {
            _current = worker;
            _ready.TrySetResult(worker);
        }

        Loaded?.Invoke(worker);
    }

    private void Withdraw(LoadedWorker worker)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_current, worker))
            {
                _current = null;
                _ready = new TaskCompletionSource<LoadedWorker>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private async Task<LoadedWorker> LaunchAsync(CancellationToken cancellationToken)
    {
        int generation = Interlocked.Increment(ref _generation);
        string workerId = Guid.NewGuid().ToString();
        var channel = new FunctionRpcChannel(workerId, OnWorkerLog, message => _logger.LogDebug("Unexpected {Kind} from the worker.", message.ContentCase));
        var connected = _connections.Expect(channel);
        var clock = Stopwatch.StartNew();
        var process = Spawn(workerId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);
        try
        {
            var exited = process.WaitForExitAsync(timeout.Token);
            if (await Task.WhenAny(connected, exited).ConfigureAwait(false) != connected)
            {
                await exited.ConfigureAwait(false);
                throw new WorkerStartException($"The worker exited with code {process.ExitCode} before it connected. Its last output:{Tail(process)}");
            }

            string appDirectory = _options.App.Path;
            var init = await RequestAsync(
                channel,
                new StreamingMessage
                {
                    WorkerInitRequest = new WorkerInitRequest
                    {
                        HostVersion = _options.HostVersion,
                        WorkerDirectory = appDirectory,
                        FunctionAppDirectory = appDirectory,
                    },
                },
                timeout.Token).ConfigureAwait(false);
            EnsureSuccess(init.WorkerInitResponse?.Result, "WorkerInitRequest");
            var capabilities = init.WorkerInitResponse!.Capabilities.ToDictionary(StringComparer.OrdinalIgnoreCase);

            var metadata = await RequestAsync(
                channel,
                new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } },
                timeout.Token).ConfigureAwait(false);
            var indexed = metadata.FunctionMetadataResponse
                ?? throw new WorkerStartException($"The worker answered FunctionsMetadataRequest with {metadata.ContentCase}.");
            EnsureSuccess(indexed.Result, "FunctionsMetadataRequest");
            if (indexed.UseDefaultMetadataIndexing)
            {
                throw new WorkerStartException("The worker asked the host to index its functions from files (worker indexing is off). DevHost needs worker indexing: use a current Microsoft.Azure.Functions.Worker.Sdk.");
            }

            var loads = indexed.FunctionMetadataResults.Select(item => LoadAsync(channel, item, appDirectory, timeout.Token)).ToList();
            var functions = new FunctionIndex((await Task.WhenAll(loads).ConfigureAwait(false)).OfType<FunctionDescriptor>());
            if (capabilities.TryGetValue("HttpUri", out string? httpUri) && Uri.TryCreate(httpUri, UriKind.Absolute, out var workerHttp))
            {
                // The worker announces its HTTP server before that server listens; requests forwarded
                // in between would be refused.
                await WaitUntilListeningAsync(workerHttp, process, timeout.Token).ConfigureAwait(false);
            }

            var worker = new LoadedWorker(generation, process, channel, functions, capabilities, clock.Elapsed);
            _logger.LogInformation(
                "Worker {Generation} (pid {Pid}) loaded {Count} functions in {Ms:F0} ms{Mode}.",
                generation,
                process.Id,
                functions.Count,
                clock.Elapsed.TotalMilliseconds,
                worker.HttpUri is null ? "" : $"; ASP.NET Core integration at {worker.HttpUri}");
            return worker;
        }
        catch (Exception e) when (e is not WorkerStartException)
        {
            Kill(process);
            channel.Close("start failed");
            string reason = e switch
            {
                OperationCanceledException when !cancellationToken.IsCancellationRequested => $"it did not load its functions within {_options.StartTimeout.TotalSeconds:F0} s",
                OperationCanceledException => "DevHost is stopping",
                _ => e.Message,
            };
            throw new WorkerStartException($"The worker did not start: {reason}. Its last output:{Tail(process)}", e);
        }
        catch
        {
            Kill(process);
            channel.Close("start failed");
            throw;
        }
        finally
        {
            _connections.Forget(workerId);
        }
    }

    private async Task<FunctionDescriptor?> LoadAsync(FunctionRpcChannel channel, RpcFunctionMetadata metadata, string appDirectory, CancellationToken cancellationToken)
    {
        if (metadata.Status is { Status: not StatusResult.Types.Status.Success } status)
        {
            _logger.LogError("Function {Name} was not indexed: {Error}", metadata.Name, Describe(status));
            return null;
        }

        string id = string.IsNullOrEmpty(metadata.FunctionId) ? Guid.NewGuid().ToString() : metadata.FunctionId;
        metadata.Directory = appDirectory;
        var answer = await RequestAsync(
            channel,
            new StreamingMessage { FunctionLoadRequest = new FunctionLoadRequest { FunctionId = id, Metadata = metadata } },
            cancellationToken).ConfigureAwait(false);
        if (answer.FunctionLoadResponse?.Result is not { Status: StatusResult.Types.Status.Success })
        {
            _logger.LogError("Function {Name} did not load: {Error}", metadata.Name, Describe(answer.FunctionLoadResponse?.Result));
            return null;
        }

        try
        {
            return FunctionDescriptor.FromMetadata(metadata, id);
        }
        catch (Exception e) when (e is InvalidDataException or Newtonsoft.Json.JsonException)
        {
            _logger.LogError("Function {Name} is skipped: {Error}", metadata.Name, e.Message);
            return null;
        }
    }

    private static async Task WaitUntilListeningAsync(Uri uri, Process process, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync(uri.Host, uri.Port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (!process.HasExited)
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new WorkerStartException($"The worker exited with code {process.ExitCode} before its HTTP server at {uri} listened: {e.Message}");
            }
        }
    }

    private static Task<StreamingMessage> RequestAsync(FunctionRpcChannel channel, StreamingMessage message, CancellationToken cancellationToken)
    {
        message.RequestId = Guid.NewGuid().ToString();
        return channel.RequestAsync(message, message.RequestId, cancellationToken);
    }

    private static void EnsureSuccess(StatusResult? result, string step)
    {
        if (result is not { Status: StatusResult.Types.Status.Success })
        {
            throw new WorkerStartException($"The worker failed {step}: {Describe(result)}");
        }
    }

    internal static string Describe(StatusResult? result) => result is null
        ? "no result"
        : string.Join(" ", new[] { result.Status.ToString(), result.Result, result.Exception?.Message, result.Exception?.StackTrace }.Where(s => !string.IsNullOrWhiteSpace(s)));

    private Process Spawn(string workerId)
    {
        var start = new System.Diagnostics.ProcessStartInfo(_options.App.Executable)
        {
            WorkingDirectory = _options.App.Path,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[]
                 {
                     _options.App.WorkerPath,
                     "--functions-uri", _rpcServer.Address.ToString(),
                     "--functions-worker-id", workerId,
                     "--functions-request-id", Guid.NewGuid().ToString(),
                     "--functions-grpc-max-message-length", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in _options.Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        // The worker resolves function assemblies against these; loading a function throws without them.
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = _options.App.Path;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = _options.App.Path;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var tail = new OutputTail();
        OutputTails.AddOrUpdate(process, tail);
        process.OutputDataReceived += (_, e) => OnWorkerOutput(tail, e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => OnWorkerOutput(tail, e.Data, isError: true);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new WorkerStartException($"Could not start '{_options.App.Executable}' for {_options.App.WorkerPath}: {e.Message}. Is the .NET SDK on PATH?", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static readonly ConditionalWeakTable<Process, OutputTail> OutputTails = new();

    private static string Tail(Process process) =>
        OutputTails.TryGetValue(process, out var tail) && tail.Lines() is { Count: > 0 } lines
            ? Environment.NewLine + string.Join(Environment.NewLine, lines.Select(l => "    " + l))
            : " (none)";

    private void OnWorkerOutput(OutputTail tail, string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }

        tail.Add(line);
        if (isError)
        {
            _logger.LogWarning("{Line}", line);
        }
        else
        {
            _logger.LogInformation("{Line}", line);
        }
    }

    private void OnWorkerLog(RpcLog log)
    {
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };

        // Framework and worker-runtime logs are noise at Information (and ASP.NET's request lines would
        // print keys from query strings); the app's own logs are what a developer wants to see.
        if (level < LogLevel.Warning && (log.LogCategory == RpcLog.Types.RpcLogCategory.System || IsFrameworkCategory(log.Category)))
        {
            level = LogLevel.Debug;
        }

        if (level == LogLevel.None || !_logger.IsEnabled(level))
        {
            return;
        }

        string exception = log.Exception is { } e ? $"{Environment.NewLine}    {e.Type} {e.Message}{Environment.NewLine}{e.StackTrace}" : "";
        _logger.Log(level, "{Category}: {Message}{Exception}", ShortCategory(log.Category), log.Message, exception);
    }

    private static bool IsFrameworkCategory(string category) =>
        category.StartsWith("Microsoft.", StringComparison.Ordinal) || category.StartsWith("System.", StringComparison.Ordinal)
        || category.StartsWith("Azure.", StringComparison.Ordinal) || category.StartsWith("Host.", StringComparison.Ordinal);

    /// <summary>"Function.HealthLive.User" reads better as "HealthLive".</summary>
    private static string ShortCategory(string category)
    {
        string[] parts = category.Split('.');
        return parts.Length >= 2 && parts[0] == "Function" ? parts[1] : category;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited in between.
        }
    }

    /// <summary>The last lines a worker printed, for the message when it dies.</summary>
    private sealed class OutputTail
    {
        private const int Capacity = 30;
        private readonly ConcurrentQueue<string> _lines = new();

        public void Add(string line)
        {
            _lines.Enqueue(line);
            while (_lines.Count > Capacity && _lines.TryDequeue(out _))
            {
            }
        }

        public IReadOnlyList<string> Lines() => _lines.ToArray();
    }
}
