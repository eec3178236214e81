using System.Runtime.InteropServices;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using ServerlessML.DevHost.Blobs;
using ServerlessML.DevHost.Build;
using ServerlessML.DevHost.Configuration;
using ServerlessML.DevHost.Logging;
using ServerlessML.DevHost.Samples;
using ServerlessML.DevHost.Storage;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost;

/// <summary>
/// <c>dotnet run --project src/ServerlessML.DevHost</c>: builds the app if needed, makes sure Azurite runs,
/// starts the host, deploys the sample model, prints what to call, and stops cleanly on Ctrl+C.
/// </summary>
public static class DevHostCommand
{
    public const string DefaultProject = "src/ServerlessML.Functions/ServerlessML.Functions.csproj";

    public static async Task<int> RunAsync(string[] args)
    {
        CommandLine command;
        try
        {
            command = CommandLine.Parse(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 2;
        }

        if (command.Help)
        {
            Console.WriteLine(CommandLine.Usage);
            return 0;
        }

        using var loggers = LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(command.Verbose ? LogLevel.Debug : LogLevel.Information);
            logging.AddProvider(new TaggedConsoleLoggerProvider(command.Verbose ? LogLevel.Debug : LogLevel.Information));
        });
        var logger = loggers.CreateLogger("host");

        using var stop = new CancellationTokenSource();
        StorageEmulator? storage = null;
        LocalFunctionsHost? host = null;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            Volatile.Read(ref host)?.MarkStopping();
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        try
        {
            string root = FindRepositoryRoot(command);
            var settings = command.SettingsFile is { } file ? LocalSettings.Load(Path.GetFullPath(file)) : LocalSettings.LoadFrom(root);
            logger.LogInformation(settings.SourcePath is null ? "No local.settings.json or local.settings.sample.json found; running with no app settings." : $"App settings from {Path.GetRelativePath(Environment.CurrentDirectory, settings.SourcePath)}.");

            string appFolder = await ResolveAppFolderAsync(command, root, loggers.CreateLogger("build"), stop.Token).ConfigureAwait(false);

            var appSettings = new Dictionary<string, string>(settings.Values, StringComparer.OrdinalIgnoreCase);
            appSettings.TryAdd(StorageConnections.HostStorageSetting, DevelopmentStorage.Shorthand);
            if (appSettings.Values.Any(DevelopmentStorage.IsShorthand))
            {
                storage = await AzuriteLauncher.EnsureRunningAsync(root, command.AzuriteInMemory, loggers.CreateLogger("storage"), stop.Token).ConfigureAwait(false);
                appSettings = DevelopmentStorage.PointAt(appSettings, storage.ConnectionString);
            }

            host = await LocalFunctionsHost.StartAsync(
                new DevHostOptions
                {
                    AppDirectory = appFolder,
                    AppSettings = appSettings,
                    ConnectionStrings = settings.ConnectionStrings,
                    HttpPort = command.Port ?? settings.LocalHttpPort ?? 7071,
                    FunctionKey = settings.FunctionKey,
                    MasterKey = settings.MasterKey,
                },
                loggers,
                stop.Token).ConfigureAwait(false);

            var sample = new SampleModelDeployment(root, loggers.CreateLogger("sample"));
            bool sampleDeployed = false;
            if (!command.NoSample)
            {
                sampleDeployed = await DeploySampleAsync(sample, appSettings, loggers.CreateLogger("sample"), stop.Token).ConfigureAwait(false);
            }

            string? request = sampleDeployed && File.Exists(sample.RequestFile) ? DisplayPath(sample.RequestFile) : null;
            Console.WriteLine(StartupBanner.Render(host, sampleDeployed ? SampleModelDeployment.Model : null, request));

            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is WorkerStartException or InvalidOperationException or InvalidDataException or FileNotFoundException or FormatException or Azure.RequestFailedException)
        {
            logger.LogCritical("{Message}", e.Message);
            return 1;
        }
        finally
        {
            if (host is not null)
            {
                logger.LogInformation("Stopping: the worker gets WorkerTerminate.");
                await host.DisposeAsync().ConfigureAwait(false);
            }

            if (storage?.Started is not null)
            {
                logger.LogInformation("Stopping Azurite.");
            }

            if (storage is not null)
            {
                await storage.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<bool> DeploySampleAsync(SampleModelDeployment sample, IReadOnlyDictionary<string, string> settings, ILogger logger, CancellationToken cancellationToken)
    {
        // The app serves models from the account of the ModelStorage setting (design section 3).
        if (!settings.TryGetValue("ModelStorage", out string? connection) || string.IsNullOrWhiteSpace(connection))
        {
            logger.LogWarning("No sample model deployed: the ModelStorage setting is missing from local.settings.json.");
            return false;
        }

        try
        {
            return await sample.DeployIfMissingAsync(new BlobServiceClient(connection), TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or IOException or FormatException or ArgumentException)
        {
            logger.LogError("The sample model was not deployed: {Error}", e.Message);
            return false;
        }
    }

    private static async Task<string> ResolveAppFolderAsync(CommandLine command, string root, ILogger logger, CancellationToken cancellationToken)
    {
        if (command.AppFolder is not null)
        {
            return Path.GetFullPath(command.AppFolder);
        }

        string project = Path.GetFullPath(command.Project ?? Path.Combine(root, DefaultProject));
        if (Directory.Exists(project))
        {
            project = Directory.EnumerateFiles(project, "*.csproj").SingleOrDefault()
                ?? throw new FileNotFoundException($"{project} holds no single .csproj; pass the project file with --project.");
        }

        if (!File.Exists(project))
        {
            throw new FileNotFoundException($"The Functions project {project} does not exist; pass --project or --app.", project);
        }

        string? output = FunctionsAppBuild.FindOutputFolder(project, command.Configuration);
        if (command.NoBuild)
        {
            return output ?? throw new InvalidOperationException($"--no-build, but {Path.GetFileName(project)} has no {command.Configuration} build output yet. Build it once (dotnet build) or drop --no-build.");
        }

        if (FunctionsAppBuild.IsStale(project, output, root, out string reason))
        {
            logger.LogInformation("Building {Project}: {Reason}.", Path.GetFileName(project), reason);
            await FunctionsAppBuild.BuildAsync(project, command.Configuration, logger, cancellationToken).ConfigureAwait(false);
            output = FunctionsAppBuild.FindOutputFolder(project, command.Configuration)
                ?? throw new InvalidOperationException($"The build of {project} produced no folder with worker.config.json under bin/{command.Configuration}.");
        }
        else
        {
            logger.LogInformation("{Project} is up to date.", Path.GetFileName(project));
        }

        return output!;
    }

    /// <summary>The folder with ServerlessML.sln above the working folder (or above DevHost itself).</summary>
    private static string FindRepositoryRoot(CommandLine command)
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ServerlessML.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return command.AppFolder is not null
            ? Environment.CurrentDirectory
            : throw new InvalidOperationException("Run DevHost inside the ServerlessML repository (no ServerlessML.sln found above the working folder), or pass --app <built app folder>.");
    }

    /// <summary>A path as short as still works from the working folder.</summary>
    private static string DisplayPath(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}
