using System.Net;
using Microsoft.Extensions.Logging;
using ServerlessML.DevHost.Blobs;
using ServerlessML.DevHost.Configuration;
using ServerlessML.DevHost.Http;
using ServerlessML.DevHost.Timers;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost;

/// <summary>
/// The local stand-in for the Azure Functions host: runs the app's worker process and drives its
/// functions by HTTP, blob events and timers. Start with <see cref="StartAsync"/>; dispose to stop
/// (WorkerTerminate, then everything else).
/// </summary>
public sealed class LocalFunctionsHost : IAsyncDisposable
{
    private readonly DevHostOptions _options;
    private readonly AppSettingResolver _settings;
    private readonly StorageConnections _storage;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _hostLogger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private readonly WorkerConnections _connections = new();
    private RpcServer? _rpcServer;
    private WorkerProcess? _workers;
    private HttpFrontEnd? _frontEnd;
    private AdminApi? _admin;
    private BlobTriggerDispatcher? _dispatcher;
    private Task _blobWatch = Task.CompletedTask;
    private Task _timerLoop = Task.CompletedTask;
    private CancellationTokenSource? _timerStop;
    private IReadOnlyList<TimerTrigger> _timers = [];
    private bool _disposed;

    private LocalFunctionsHost(DevHostOptions options, FunctionAppFolder app, HostConfiguration configuration, HostKeys keys, ILoggerFactory loggers)
    {
        _options = options;
        App = app;
        Configuration = configuration;
        Keys = keys;
        _loggers = loggers;
        _hostLogger = loggers.CreateLogger("host");
        _settings = new AppSettingResolver(options.AppSettings);
        _storage = new StorageConnections(_settings);
        Receipts = new BlobReceipts(_storage.BlobService(StorageConnections.HostStorageSetting), options.HostId);
        PoisonQueue = new PoisonBlobQueue(_storage.ConnectionString(StorageConnections.HostStorageSetting));
    }

    public FunctionAppFolder App { get; }

    /// <summary>host.json as applied.</summary>
    public HostConfiguration Configuration { get; }

    public HostKeys Keys { get; }

    /// <summary>Where the HTTP front end listens, e.g. http://127.0.0.1:7071/.</summary>
    public Uri BaseAddress => _frontEnd!.BaseAddress;

    /// <summary>The running worker; null while it restarts.</summary>
    public LoadedWorker? Worker => _workers!.Current;

    public WorkerProcess Workers => _workers!;

    public HttpRouteTable Routes => _frontEnd!.Routes;

    public BlobReceipts Receipts { get; }

    public PoisonBlobQueue PoisonQueue { get; }

    public BlobTriggerDispatcher BlobDispatcher => _dispatcher!;

    public BlobWatcher? BlobWatcher { get; private set; }

    public IReadOnlyList<TimerTrigger> Timers
    {
        get
        {
            lock (_gate)
            {
                return _timers;
            }
        }
    }

    /// <summary>Starts the host; throws with a message that says what to fix when it cannot.</summary>
    public static async Task<LocalFunctionsHost> StartAsync(DevHostOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var app = FunctionAppFolder.Open(options.AppDirectory);
        var configuration = HostConfiguration.LoadFrom(app.Path);
        var keys = new HostKeys(options.FunctionKey ?? HostKeys.NewKey(), options.MasterKey ?? HostKeys.NewKey());
        if (!options.AppSettings.TryGetValue(StorageConnections.HostStorageSetting, out string? hostStorage) || string.IsNullOrWhiteSpace(hostStorage))
        {
            throw new InvalidOperationException("AzureWebJobsStorage has no value: the host keeps blob receipts and the poison queue there. Set \"AzureWebJobsStorage\": \"UseDevelopmentStorage=true\" in local.settings.json.");
        }

        var host = new LocalFunctionsHost(options, app, configuration, keys, loggers);
        try
        {
            await host.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Says a stop is coming (call it from a Ctrl+C handler); dispose to stop.</summary>
    public void MarkStopping() => _workers?.MarkStopping();

    /// <summary>Waits until a worker is running (after a crash, the restarted one).</summary>
    public Task<LoadedWorker> WaitForWorkerAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _workers!.WaitUntilLoadedAsync(timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_frontEnd is not null)
        {
            await _frontEnd.DisposeAsync().ConfigureAwait(false);
        }

        if (_admin is not null)
        {
            await _admin.DisposeAsync().ConfigureAwait(false);
        }

        await IgnoreCancellationAsync(_blobWatch).ConfigureAwait(false);
        await IgnoreCancellationAsync(_timerLoop).ConfigureAwait(false);
        if (_dispatcher is not null)
        {
            await _dispatcher.DisposeAsync().ConfigureAwait(false);
        }

        if (_workers is not null)
        {
            await _workers.DisposeAsync().ConfigureAwait(false);
        }

        if (_rpcServer is not null)
        {
            await _rpcServer.DisposeAsync().ConfigureAwait(false);
        }

        _timerStop?.Dispose();
        _stopping.Dispose();
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        _rpcServer = await RpcServer.StartAsync(_connections, cancellationToken).ConfigureAwait(false);
        var environment = WorkerEnvironment();
        _workers = new WorkerProcess(
            new WorkerProcessOptions
            {
                App = App,
                Environment = environment,
                StartTimeout = _options.WorkerStartTimeout,
                FirstRestartDelay = _options.WorkerFirstRestartDelay,
            },
            _rpcServer,
            _connections,
            _loggers);
        var invoker = new FunctionInvoker(_workers, Configuration.FunctionTimeout, _options.WorkerWaitTimeout);
        var blobLogger = _loggers.CreateLogger("blob");
        _dispatcher = new BlobTriggerDispatcher(
            invoker,
            Receipts,
            PoisonQueue,
            new BlobDispatchOptions
            {
                PoisonThreshold = Configuration.PoisonBlobThreshold,
                MaxDegreeOfParallelism = Configuration.BlobMaxDegreeOfParallelism,
                RetryDelay = _options.BlobRetryDelay,
            },
            blobLogger);
        var scheduler = new TimerScheduler(invoker, _loggers.CreateLogger("timer"));
        _admin = new AdminApi(invoker, scheduler, () => Timers, _dispatcher, () => Keys, _loggers.CreateLogger("http"))
        {
            HostId = _options.HostId,
            RoutePrefix = Configuration.RoutePrefix,
        };
        var webhook = new BlobWebhookEndpoint(_dispatcher, blobLogger);
        _frontEnd = await HttpFrontEnd.StartAsync(IPAddress.Parse(_options.ListenAddress), _options.HttpPort, Keys, invoker, _admin, webhook, _loggers.CreateLogger("http"), cancellationToken).ConfigureAwait(false);
        _admin.BaseAddress = _frontEnd.BaseAddress;
        environment["WEBSITE_HOSTNAME"] = $"{_frontEnd.BaseAddress.Host}:{_frontEnd.BaseAddress.Port}";

        _workers.Loaded += worker => OnWorkerLoaded(worker, scheduler);
        await _workers.StartAsync(cancellationToken).ConfigureAwait(false);

        if (_options.WatchBlobs)
        {
            BlobWatcher = new BlobWatcher(_dispatcher, _options.BlobPollInterval, blobLogger);
            _blobWatch = BlobWatcher.RunAsync(_stopping.Token);
        }
    }

    private Dictionary<string, string> WorkerEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            // As Core Tools sets them for a local run.
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
            ["AzureWebJobsScriptRoot"] = App.Path,
        };
        foreach (var (name, value) in _options.AppSettings)
        {
            environment[name] = value;
        }

        foreach (var (name, value) in _options.ConnectionStrings)
        {
            environment[$"ConnectionStrings__{name}"] = value;
        }

        return environment;
    }

    private void OnWorkerLoaded(LoadedWorker worker, TimerScheduler scheduler)
    {
        var httpLogger = _loggers.CreateLogger("http");
        _frontEnd!.Routes = HttpRouteTable.Build(worker.Functions, Configuration.RoutePrefix, (function, error) => httpLogger.LogError("{Function} gets no route: {Error}", function.Name, error));
        _dispatcher!.UseBindings(BlobTriggerBinding.CreateAll(worker.Functions, _settings, _storage, _loggers.CreateLogger("blob")));

        var timers = TimerTrigger.CreateAll(worker.Functions, _settings, _loggers.CreateLogger("timer"));
        lock (_gate)
        {
            _timers = timers;
            _timerStop?.Cancel();
            _timerStop?.Dispose();
            _timerStop = null;
            if (_options.RunTimerSchedules && !_stopping.IsCancellationRequested)
            {
                _timerStop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                var previous = _timerLoop;
                var token = _timerStop.Token;
                _timerLoop = Task.Run(async () =>
                {
                    await IgnoreCancellationAsync(previous).ConfigureAwait(false);
                    await scheduler.RunAsync(timers, token).ConfigureAwait(false);
                });
            }
        }

        if (worker.Generation > 1)
        {
            _hostLogger.LogInformation("Worker {Generation} is serving: {Count} functions.", worker.Generation, worker.Functions.Count);
        }
    }

    private static async Task IgnoreCancellationAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
