using System.Net.Http.Json;
using System.Reflection;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using ServerlessML.DevHost;
using ServerlessML.DevHost.Http;

namespace ServerlessML.Testing;

/// <summary>Which key a test request presents.</summary>
public enum KeyKind
{
    None,
    Function,
    Master,
}

/// <summary>
/// A Functions app running under DevHost for a test: the real worker process from a build output folder,
/// against this test process's Azurite, on a free port. Start one per xunit fixture.
/// </summary>
public sealed class DevHostRun : IAsyncDisposable
{
    public const string FunctionKey = "test-function-key";

    public const string MasterKey = "test-master-key";

    private readonly ILoggerFactory _loggers;

    private DevHostRun(LocalFunctionsHost host, ILoggerFactory loggers, CapturedLogs logs, string connectionString)
    {
        Host = host;
        _loggers = loggers;
        Logs = logs;
        StorageConnectionString = connectionString;
        Client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public LocalFunctionsHost Host { get; }

    /// <summary>A client whose base address is the host's front end.</summary>
    public HttpClient Client { get; }

    public CapturedLogs Logs { get; }

    /// <summary>The Azurite connection string the host and the worker use.</summary>
    public string StorageConnectionString { get; }

    public BlobServiceClient Storage => new(StorageConnectionString);

    /// <summary>
    /// Starts <paramref name="appFolder"/> under DevHost. Settings with <c>UseDevelopmentStorage=true</c>
    /// are pointed at the test Azurite; AzureWebJobsStorage is added when missing.
    /// </summary>
    public static async Task<DevHostRun> StartAsync(string appFolder, IReadOnlyDictionary<string, string> settings, Func<DevHostOptions, DevHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string connectionString = await TestStorage.ConnectionStringAsync().ConfigureAwait(false);
        var appSettings = ServerlessML.DevHost.Storage.DevelopmentStorage.PointAt(settings, connectionString);
        appSettings.TryAdd("AzureWebJobsStorage", connectionString);
        var options = new DevHostOptions
        {
            AppDirectory = appFolder,
            AppSettings = appSettings,
            HttpPort = 0,
            FunctionKey = FunctionKey,
            MasterKey = MasterKey,
            HostId = TestStorage.UniqueName("host"),
            BlobPollInterval = TimeSpan.FromMilliseconds(200),
            BlobRetryDelay = TimeSpan.FromMilliseconds(50),
        };
        options = configure?.Invoke(options) ?? options;

        var logs = new CapturedLogs();
        var loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Information).AddProvider(logs));
        try
        {
            var host = await LocalFunctionsHost.StartAsync(options, loggers, CancellationToken.None).ConfigureAwait(false);
            return new DevHostRun(host, loggers, logs, connectionString);
        }
        catch
        {
            loggers.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The build output folder of a Functions app that the test project references with
    /// <c>ReferenceOutputAssembly="false"</c> and names in an <c>AssemblyMetadata</c> attribute.
    /// </summary>
    public static string AppFolderFromMetadata(Assembly testAssembly, string key)
    {
        ArgumentNullException.ThrowIfNull(testAssembly);
        string folder = testAssembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
            ?? throw new InvalidOperationException($"{testAssembly.GetName().Name} has no AssemblyMetadata '{key}' naming the app's build output.");
        folder = Path.GetFullPath(folder);
        return File.Exists(Path.Combine(folder, "worker.config.json"))
            ? folder
            : throw new InvalidOperationException($"{folder} holds no worker.config.json: the referenced Functions app was not built (run dotnet build or dotnet test on the test project).");
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, KeyKind key = KeyKind.None, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (key != KeyKind.None)
        {
            request.Headers.Add(HostKeys.KeyHeader, key == KeyKind.Master ? MasterKey : FunctionKey);
        }

        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path, KeyKind key = KeyKind.None) => SendAsync(HttpMethod.Get, path, key);

    /// <summary><c>POST admin/functions/{name}</c> with the master key: runs any function now (202 Accepted).</summary>
    public Task<HttpResponseMessage> RunNowAsync(string functionName, string? input = null) =>
        SendAsync(HttpMethod.Post, $"admin/functions/{functionName}", KeyKind.Master, JsonContent.Create(new { input }));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync().ConfigureAwait(false);
        _loggers.Dispose();
    }
}
