using Newtonsoft.Json.Linq;

namespace ServerlessML.DevHost.Worker;

/// <summary>
/// A built isolated-worker Functions app: the folder with <c>worker.config.json</c>, which names the
/// executable ("dotnet") and the worker assembly, as the Functions host reads it.
/// </summary>
public sealed class FunctionAppFolder
{
    private FunctionAppFolder(string path, string executable, string workerPath)
    {
        Path = path;
        Executable = executable;
        WorkerPath = workerPath;
    }

    public string Path { get; }

    /// <summary>The program to start, "dotnet" for a framework-dependent .NET app.</summary>
    public string Executable { get; }

    /// <summary>Full path of the worker assembly passed to <see cref="Executable"/>.</summary>
    public string WorkerPath { get; }

    public static FunctionAppFolder Open(string path)
    {
        string folder = System.IO.Path.GetFullPath(path);
        string config = System.IO.Path.Combine(folder, "worker.config.json");
        if (!File.Exists(config))
        {
            throw new FileNotFoundException(
                $"{folder} holds no worker.config.json, so it is not the build output of an isolated-worker Functions app. Build the app (dotnet build) and pass its bin/<Configuration>/<TargetFramework> folder.",
                config);
        }

        var description = JObject.Parse(File.ReadAllText(config))["description"] as JObject
            ?? throw new InvalidDataException($"{config} has no 'description' object.");
        string executable = description.Value<string>("defaultExecutablePath") is { Length: > 0 } e ? e : "dotnet";
        string workerPath = description.Value<string>("defaultWorkerPath")
            ?? throw new InvalidDataException($"{config} has no description.defaultWorkerPath (the worker assembly).");
        workerPath = System.IO.Path.Combine(folder, workerPath);
        if (!File.Exists(workerPath))
        {
            throw new FileNotFoundException($"{config} names worker assembly {workerPath}, which does not exist. Rebuild the app.", workerPath);
        }

        return new FunctionAppFolder(folder, executable, workerPath);
    }
}
