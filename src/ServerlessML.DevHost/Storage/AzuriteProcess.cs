using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ServerlessML.DevHost.Storage;

/// <summary>Options for <see cref="AzuriteProcess"/>.</summary>
public sealed class AzuriteOptions
{
    /// <summary>Folder holding the repository's package.json (Azurite is a devDependency there).</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>Blob port; 0 picks a free port. The queue and table services take the next free ports.</summary>
    public int BlobPort { get; init; }

    public int QueuePort { get; init; }

    public int TablePort { get; init; }

    /// <summary>Keep data in memory only, so every run starts empty and leaves no files behind.</summary>
    public bool InMemory { get; init; } = true;

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Runs the Azurite storage emulator from the repository's own node_modules (installing it with
/// <c>npm ci</c> when missing), waits until it listens and stops it on dispose.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    /// <summary>The well-known development account of Azurite and the storage emulator.</summary>
    public const string AccountName = "devstoreaccount1";

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private AzuriteProcess(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string ConnectionString => ConnectionStringFor(BlobPort, QueuePort, TablePort);

    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/{AccountName};";

    /// <summary>True when something accepts TCP connections on the loopback port.</summary>
    public static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(500));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<AzuriteProcess> StartAsync(AzuriteOptions options, CancellationToken cancellationToken = default)
    {
        string executable = await EnsureInstalledAsync(options.RepositoryRoot, cancellationToken).ConfigureAwait(false);
        int blob = options.BlobPort == 0 ? FreePort() : options.BlobPort;
        int queue = options.QueuePort == 0 ? FreePort() : options.QueuePort;
        int table = options.TablePort == 0 ? FreePort() : options.TablePort;

        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = options.RepositoryRoot,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[]
                 {
                     "--silent", "--skipApiVersionCheck", "--loose",
                     "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(),
                     "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
                     "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        if (options.InMemory)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(Path.Combine(options.RepositoryRoot, ".azurite"));
        }

        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{executable}'.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var azurite = new AzuriteProcess(process, blob, queue, table);
        var deadline = Stopwatch.StartNew();
        while (!await IsListeningAsync(blob, cancellationToken).ConfigureAwait(false) || !await IsListeningAsync(queue, cancellationToken).ConfigureAwait(false))
        {
            if (process.HasExited || deadline.Elapsed > options.StartTimeout)
            {
                await azurite.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException(
                    $"Azurite did not start listening on 127.0.0.1:{blob} within {options.StartTimeout.TotalSeconds:F0} s " +
                    $"(exited: {process.HasExited}). Its output: {string.Join(Environment.NewLine, output)}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        return azurite;
    }

    /// <summary>Returns the path of node_modules/.bin/azurite, running <c>npm ci</c> first when it is missing.</summary>
    public static async Task<string> EnsureInstalledAsync(string repositoryRoot, CancellationToken cancellationToken = default)
    {
        string executable = Path.Combine(repositoryRoot, "node_modules", ".bin", OperatingSystem.IsWindows() ? "azurite.cmd" : "azurite");
        if (File.Exists(executable))
        {
            return executable;
        }

        // Several test processes may start at once: one installs, the others wait on the lock file.
        string lockPath = Path.Combine(repositoryRoot, "node_modules.install.lock");
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            FileStream? gate = null;
            try
            {
                gate = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await using (gate.ConfigureAwait(false))
            {
                if (File.Exists(executable))
                {
                    return executable;
                }

                var npm = new ProcessStartInfo("npm")
                {
                    WorkingDirectory = repositoryRoot,
                    UseShellExecute = false,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                foreach (string argument in new[] { "ci", "--no-audit", "--no-fund", "--loglevel", "error" })
                {
                    npm.ArgumentList.Add(argument);
                }

                using var install = Process.Start(npm) ?? throw new InvalidOperationException("Could not start npm: install Node.js and npm.");
                var stdout = install.StandardOutput.ReadToEndAsync(cancellationToken);
                var stderr = install.StandardError.ReadToEndAsync(cancellationToken);
                await install.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                if (install.ExitCode != 0 || !File.Exists(executable))
                {
                    throw new InvalidOperationException(
                        $"'npm ci' in {repositoryRoot} failed with exit code {install.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
                }

                return executable;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The process did not die in time; nothing more can be done from here.
            }
        }

        _process.Dispose();
    }
}
