using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace ServerlessML.Infra.Tests;

/// <summary>Output of one Bicep CLI run.</summary>
public sealed record BicepRun(string Arguments, int ExitCode, string StandardOutput, string StandardError)
{
    // Bicep prints diagnostics as "<file>(<line>,<column>) : <Level> <code>: <message>".
    private static readonly Regex DiagnosticLine = new(@"^.+\(\d+,\d+\) : (?<level>Error|Warning|Info) (?<code>[^:]+):", RegexOptions.Multiline);

    /// <summary>Warnings and errors (not infos) that Bicep reported on either stream.</summary>
    public IReadOnlyList<string> WarningsAndErrors =>
        DiagnosticLine.Matches(StandardError + "\n" + StandardOutput)
            .Where(match => match.Groups["level"].Value is "Error" or "Warning")
            .Select(match => match.Value.TrimEnd(':'))
            .ToList();

    public override string ToString() =>
        $"bicep {Arguments} exited with {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}

/// <summary>
/// Runs the Bicep CLI from NuGet package Azure.Bicep.CommandLine.linux-x64, which the test project
/// downloads with PackageDownload. Everything it does here is offline: no registry modules, and the
/// resource types it checks against are bundled in the CLI.
/// </summary>
public static class BicepCli
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(3);

    private static readonly Lazy<string> Executable = new(LocateExecutable);

    public static string Path => Executable.Value;

    public static async Task<BicepRun> RunAsync(string workingDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(Path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        var standardOutput = new StringBuilder();
        var standardError = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (standardOutput) { standardOutput.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (standardError) { standardError.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // A guard against a hung CLI, not a timing assertion: a normal run takes a second or two.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(RunLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {RunLimit} in {workingDirectory}.");
        }

        // The parameterless wait returns only after the redirected streams are drained.
        process.WaitForExit();
        return new BicepRun(string.Join(' ', arguments), process.ExitCode, standardOutput.ToString(), standardError.ToString());
    }

    private static string LocateExecutable()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException(
                $"The infrastructure tests use Azure.Bicep.CommandLine.linux-x64 and run on Linux x64 only; this is {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}.");
        }

        var packageFolder = System.IO.Path.Combine(
            BuildSettings.NuGetPackageRoot, "azure.bicep.commandline.linux-x64", BuildSettings.BicepCliVersion);
        var executable = System.IO.Path.Combine(packageFolder, "tools", "bicep");
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException(
                $"Bicep CLI not found at {executable}. Run `dotnet restore` on ServerlessML.Infra.Tests: its PackageDownload of " +
                $"Azure.Bicep.CommandLine.linux-x64 {BuildSettings.BicepCliVersion} puts it there.", executable);
        }

        // NuGet does not always keep the execute bit when it extracts a package.
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(executable);
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(executable, mode | execute);
        }

        return executable;
    }
}
