namespace ServerlessML.DevHost;

/// <summary>What a <see cref="LocalFunctionsHost"/> runs and how.</summary>
public sealed class DevHostOptions
{
    /// <summary>The Functions app's build output folder (with worker.config.json and host.json).</summary>
    public required string AppDirectory { get; init; }

    /// <summary>
    /// App settings, passed to the worker as environment variables and used for %Setting% and
    /// connections. <c>UseDevelopmentStorage=true</c> values must already point at the emulator in use
    /// (see <see cref="Storage.DevelopmentStorage.PointAt"/>). Must hold AzureWebJobsStorage.
    /// </summary>
    public required IReadOnlyDictionary<string, string> AppSettings { get; init; }

    /// <summary>local.settings.json ConnectionStrings, passed as <c>ConnectionStrings__{name}</c>.</summary>
    public IReadOnlyDictionary<string, string> ConnectionStrings { get; init; } = new Dictionary<string, string>();

    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>HTTP port; 0 picks a free one.</summary>
    public int HttpPort { get; init; } = 7071;

    /// <summary>The function key; a random one when null.</summary>
    public string? FunctionKey { get; init; }

    /// <summary>The master key; a random one when null.</summary>
    public string? MasterKey { get; init; }

    /// <summary>Names this host in blob receipts (<c>blobreceipts/{hostId}/...</c>).</summary>
    public string HostId { get; init; } = "serverlessml-devhost";

    /// <summary>How often the blob watcher lists the watched containers.</summary>
    public TimeSpan BlobPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Wait before the first retry of a failed blob delivery (doubles each time).</summary>
    public TimeSpan BlobRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>False to deliver blob events only through the webhook (no container listing).</summary>
    public bool WatchBlobs { get; init; } = true;

    /// <summary>False to run timers only on demand (admin call).</summary>
    public bool RunTimerSchedules { get; init; } = true;

    public TimeSpan WorkerStartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a request waits for a restarting worker before it gets 503.</summary>
    public TimeSpan WorkerWaitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan WorkerFirstRestartDelay { get; init; } = TimeSpan.FromSeconds(1);
}
