using System.Text.RegularExpressions;

namespace ServerlessML.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class BicepFilesTests(InfraBuild infra)
{
    [Fact]
    public void InfraFolderHoldsMainParametersModulesAndTheEventGridStep()
    {
        Assert.Contains("main.bicep", infra.BicepFiles);
        Assert.Contains("main.bicepparam", infra.BicepFiles);
        Assert.Contains("eventgrid-subscription.bicep", infra.BicepFiles);
        Assert.Contains(infra.BicepFiles, file => file.StartsWith("modules" + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(infra.SourceDirectory, "bicepconfig.json")), "infra-bicep/bicepconfig.json is missing.");
    }

    [Fact]
    public void EveryBicepFileBuildsWithoutWarningsOrErrors()
    {
        foreach (var run in infra.BuildRuns)
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.True(run.WarningsAndErrors.Count == 0, run.ToString());
        }

        foreach (var file in infra.BicepFiles.Where(file => file.EndsWith(".bicep", StringComparison.Ordinal)))
        {
            var compiled = Path.Combine(infra.CopyDirectory, Path.ChangeExtension(file, ".json"));
            Assert.True(File.Exists(compiled), $"bicep build produced no {Path.ChangeExtension(file, ".json")} for {file}.");
        }

        Assert.True(File.Exists(Path.Combine(infra.CopyDirectory, "main.parameters.json")), "bicep build-params produced no JSON for main.bicepparam.");
    }

    [Fact]
    public void EveryBicepAndParameterFileLintsWithoutWarningsOrErrors()
    {
        Assert.True(infra.LintRun.ExitCode == 0, infra.LintRun.ToString());
        Assert.True(infra.LintRun.WarningsAndErrors.Count == 0, infra.LintRun.ToString());
    }

    [Fact]
    public void DeploymentsEvaluateWithoutDiagnostics()
    {
        foreach (var run in infra.SnapshotRuns)
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.True(run.WarningsAndErrors.Count == 0, run.ToString());
        }

        foreach (var snapshot in new[] { infra.Main, infra.MainCustom, infra.MainSalted, infra.EventGrid })
        {
            Assert.NotEmpty(snapshot.Resources);
            Assert.Empty(snapshot.Diagnostics);
        }
    }

    [Fact]
    public void BicepConfigTurnsUnusedParamsVarsHardCodedUrlsAndSecretOutputsIntoErrors()
    {
        var run = infra.ViolationsLintRun;

        Assert.NotEqual(0, run.ExitCode);
        foreach (var rule in new[] { "no-unused-params", "no-unused-vars", "no-hardcoded-env-urls", "outputs-should-not-contain-secrets" })
        {
            Assert.True(run.WarningsAndErrors.Any(line => line.EndsWith($"Error {rule}", StringComparison.Ordinal)), $"Rule {rule} is not an error:\n{run}");
        }
    }

    [Fact]
    public void ModulesAreLocalFilesNotRegistryReferences()
    {
        var moduleReference = new Regex(@"^\s*module\s+\w+\s+'(?<path>[^']+)'", RegexOptions.Multiline);
        var references = infra.BicepFiles
            .Where(file => file.EndsWith(".bicep", StringComparison.Ordinal))
            .SelectMany(file => moduleReference.Matches(File.ReadAllText(Path.Combine(infra.SourceDirectory, file)))
                .Select(match => (File: file, Path: match.Groups["path"].Value)))
            .ToList();

        Assert.NotEmpty(references);
        foreach (var (file, path) in references)
        {
            Assert.False(path.StartsWith("br:", StringComparison.Ordinal) || path.StartsWith("br/", StringComparison.Ordinal)
                || path.StartsWith("ts:", StringComparison.Ordinal) || path.StartsWith("ts/", StringComparison.Ordinal),
                $"{file} uses registry module {path}; registry modules cannot be restored offline.");
            var resolved = Path.Combine(infra.SourceDirectory, Path.GetDirectoryName(file)!, path);
            Assert.True(File.Exists(resolved), $"{file} references module {path}, which is not a file in infra-bicep.");
        }
    }
}
