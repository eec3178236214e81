using System.Diagnostics;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;

namespace ServerlessML.DevHost.Build;

/// <summary>
/// Builds the Functions app when its output is missing or older than its sources (its project, the
/// projects it references, and the repository's build files), so one command runs the current code.
/// </summary>
public static class FunctionsAppBuild
{
    private static readonly string[] SourcePatterns = ["*.cs", "*.csproj", "*.props", "*.targets", "*.json"];

    /// <summary>The build output folder (the one holding worker.config.json); null when there is none yet.</summary>
    public static string? FindOutputFolder(string projectFile, string configuration)
    {
        string binFolder = Path.Combine(Path.GetDirectoryName(projectFile)!, "bin", configuration);
        if (!Directory.Exists(binFolder))
        {
            return null;
        }

        return Directory.EnumerateFiles(binFolder, "worker.config.json", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(Path.GetDirectoryName(path))!.StartsWith("net", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .Select(Path.GetDirectoryName)
            .FirstOrDefault();
    }

    /// <summary>True when the output is missing, or a source file is newer than the worker assembly.</summary>
    public static bool IsStale(string projectFile, string? outputFolder, string repositoryRoot, out string reason)
    {
        string assembly = outputFolder is null ? "" : Path.Combine(outputFolder, Path.GetFileNameWithoutExtension(projectFile) + ".dll");
        if (outputFolder is null || !File.Exists(assembly))
        {
            reason = "it has not been built";
            return true;
        }

        var built = File.GetLastWriteTimeUtc(assembly);
        var newer = SourceFiles(projectFile, repositoryRoot).FirstOrDefault(file => File.GetLastWriteTimeUtc(file) > built);
        reason = newer is null ? "" : $"{Path.GetRelativePath(repositoryRoot, newer)} changed since the last build";
        return newer is not null;
    }

    /// <summary>Runs <c>dotnet build</c>; throws with the build's output when it fails.</summary>
    public static async Task BuildAsync(string projectFile, string configuration, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { "build", projectFile, "--configuration", configuration, "--nologo", "--verbosity", "quiet" })
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using var build = Process.Start(start) ?? throw new InvalidOperationException("Could not start 'dotnet build'. Is the .NET SDK on PATH?");
        var output = build.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = build.StandardError.ReadToEndAsync(cancellationToken);
        await build.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"'dotnet build {projectFile}' failed with exit code {build.ExitCode}:{Environment.NewLine}{await output.ConfigureAwait(false)}{await errors.ConfigureAwait(false)}");
        }

        logger.LogInformation("Built {Project} ({Configuration}) in {Seconds:F1} s.", Path.GetFileName(projectFile), configuration, clock.Elapsed.TotalSeconds);
    }

    private static IEnumerable<string> SourceFiles(string projectFile, string repositoryRoot)
    {
        foreach (string name in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "host.json" })
        {
            string path = Path.Combine(repositoryRoot, name);
            if (File.Exists(path))
            {
                yield return path;
            }
        }

        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var projects = new Stack<string>([Path.GetFullPath(projectFile)]);
        while (projects.TryPop(out string? project))
        {
            if (!visited.Add(project) || !File.Exists(project))
            {
                continue;
            }

            string folder = Path.GetDirectoryName(project)!;
            foreach (string pattern in SourcePatterns)
            {
                foreach (string file in Directory.EnumerateFiles(folder, pattern, SearchOption.AllDirectories))
                {
                    string relative = Path.GetRelativePath(folder, file);
                    if (!relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    {
                        yield return file;
                    }
                }
            }

            foreach (var reference in XDocument.Load(project).Descendants().Where(e => e.Name.LocalName == "ProjectReference"))
            {
                string? include = reference.Attribute("Include")?.Value;
                if (include is not null && !include.Contains("$(", StringComparison.Ordinal))
                {
                    projects.Push(Path.GetFullPath(Path.Combine(folder, include.Replace('\\', Path.DirectorySeparatorChar))));
                }
            }
        }
    }
}
