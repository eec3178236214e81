using Newtonsoft.Json.Linq;

namespace ServerlessML.Infra.Tests;

/// <summary>
/// Builds, lints and snapshots a copy of infra-bicep once for all tests (each Bicep run takes a
/// second or two). Working on a copy keeps the compiled JSON and snapshots out of the repository.
/// </summary>
public sealed class InfraBuild : IAsyncLifetime
{
    // Any well-formed values do: the snapshot evaluates resource IDs and uniqueString() with them.
    public const string SubscriptionId = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    public const string ResourceGroup = "rg-serverlessml-test";
    public const string Location = "westeurope";

    // Non-default parameter values, to see them reach the resources.
    public const int CustomAlwaysReadyHttpInstances = 2;
    public const string CustomActionGroupId =
        "/subscriptions/3f2504e0-4f89-41d3-9a0c-0305e82c3301/resourceGroups/rg-ops/providers/Microsoft.Insights/actionGroups/ag-oncall";

    // A Key Vault reference, the form README.md recommends for the prediction log's hash salt.
    public const string CustomHashSalt = "@Microsoft.KeyVault(SecretUri=https://kv-ops.vault.azure.net/secrets/prediction-log-salt)";

    private readonly string root = Directory.CreateTempSubdirectory("serverlessml-infra-").FullName;

    public string SourceDirectory { get; } = Path.Combine(BuildSettings.RepositoryRoot, "infra-bicep");

    public string CopyDirectory => Path.Combine(root, "infra-bicep");

    /// <summary>Every .bicep and .bicepparam file of infra-bicep, relative to it.</summary>
    public IReadOnlyList<string> BicepFiles { get; private set; } = [];

    public IReadOnlyList<BicepRun> BuildRuns { get; private set; } = [];

    public BicepRun LintRun { get; private set; } = null!;

    public BicepRun ViolationsLintRun { get; private set; } = null!;

    public IReadOnlyList<BicepRun> SnapshotRuns { get; private set; } = [];

    public JObject MainTemplate { get; private set; } = null!;

    public JObject EventGridTemplate { get; private set; } = null!;

    /// <summary>main.bicep with main.bicepparam, as a user deploys it.</summary>
    public DeploymentSnapshot Main { get; private set; } = null!;

    /// <summary>main.bicep with always-ready instances and an action group.</summary>
    public DeploymentSnapshot MainCustom { get; private set; } = null!;

    /// <summary>main.bicep with a prediction log hash salt (a secure parameter, which the snapshot does not evaluate).</summary>
    public DeploymentSnapshot MainSalted { get; private set; } = null!;

    /// <summary>The text of the MainSalted snapshot file, to search for the salt.</summary>
    public string MainSaltedText { get; private set; } = "";

    public DeploymentSnapshot EventGrid { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!Directory.Exists(SourceDirectory))
        {
            throw new DirectoryNotFoundException($"No infra-bicep folder at {SourceDirectory}.");
        }

        CopySources(SourceDirectory, CopyDirectory);
        BicepFiles = Directory.EnumerateFiles(CopyDirectory, "*", SearchOption.AllDirectories)
            .Where(path => Path.GetExtension(path) is ".bicep" or ".bicepparam")
            .Select(path => Path.GetRelativePath(CopyDirectory, path))
            .Order(StringComparer.Ordinal)
            .ToList();

        var paramsDirectory = Directory.CreateDirectory(Path.Combine(root, "params")).FullName;
        await File.WriteAllTextAsync(Path.Combine(paramsDirectory, "custom.bicepparam"), $"""
            using '../infra-bicep/main.bicep'
            param alwaysReadyHttpInstances = {CustomAlwaysReadyHttpInstances}
            param alertActionGroupId = '{CustomActionGroupId}'
            """);
        await File.WriteAllTextAsync(Path.Combine(paramsDirectory, "salted.bicepparam"), $"""
            using '../infra-bicep/main.bicep'
            param predictionLogHashSalt = '{CustomHashSalt}'
            """);
        await File.WriteAllTextAsync(Path.Combine(paramsDirectory, "eventgrid.bicepparam"), """
            using '../infra-bicep/eventgrid-subscription.bicep'
            param functionAppName = 'serverlessml-app'
            param systemTopicName = 'evgt-serverlessml'
            """);

        // One file that breaks each rule bicepconfig.json raises to an error, linted with that config.
        var violationsDirectory = Directory.CreateDirectory(Path.Combine(root, "violations")).FullName;
        await File.WriteAllTextAsync(Path.Combine(violationsDirectory, "violations.bicep"), """
            param unusedParameter string
            var unusedVariable = 1
            output portal string = 'https://management.azure.com/'
            resource account 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
              name: 'stviolations'
            }
            output accountKey string = account.listKeys().keys[0].value
            """);

        var cancellation = CancellationToken.None;
        var snapshotArguments = new[] { "--subscription-id", SubscriptionId, "--resource-group", ResourceGroup, "--location", Location };
        var builds = new[]
        {
            // Every .bicep file on its own (modules too), each compiled to the .json beside it.
            BicepCli.RunAsync(CopyDirectory, ["build", "--pattern", "**/*.bicep"], cancellation),
            BicepCli.RunAsync(CopyDirectory, ["build-params", "main.bicepparam", "--outfile", "main.parameters.json"], cancellation),
        };
        var lint = BicepCli.RunAsync(CopyDirectory, ["lint", "--pattern", "**/*.bicep*"], cancellation);
        var violations = BicepCli.RunAsync(violationsDirectory, ["lint", "violations.bicep", "--config", Path.Combine(CopyDirectory, "bicepconfig.json")], cancellation);
        var snapshots = new[]
        {
            BicepCli.RunAsync(CopyDirectory, ["snapshot", "main.bicepparam", .. snapshotArguments], cancellation),
            BicepCli.RunAsync(paramsDirectory, ["snapshot", "custom.bicepparam", .. snapshotArguments], cancellation),
            BicepCli.RunAsync(paramsDirectory, ["snapshot", "salted.bicepparam", .. snapshotArguments], cancellation),
            BicepCli.RunAsync(paramsDirectory, ["snapshot", "eventgrid.bicepparam", .. snapshotArguments], cancellation),
        };

        BuildRuns = await Task.WhenAll(builds);
        LintRun = await lint;
        ViolationsLintRun = await violations;
        SnapshotRuns = await Task.WhenAll(snapshots);

        // Later tests read these; a failed build or snapshot is reported by the tests on the runs themselves.
        MainTemplate = await ReadJsonIfPresentAsync(Path.Combine(CopyDirectory, "main.json"));
        EventGridTemplate = await ReadJsonIfPresentAsync(Path.Combine(CopyDirectory, "eventgrid-subscription.json"));
        Main = await ReadSnapshotAsync(Path.Combine(CopyDirectory, "main.snapshot.json"));
        MainCustom = await ReadSnapshotAsync(Path.Combine(paramsDirectory, "custom.snapshot.json"));
        MainSalted = await ReadSnapshotAsync(Path.Combine(paramsDirectory, "salted.snapshot.json"));
        MainSaltedText = File.Exists(Path.Combine(paramsDirectory, "salted.snapshot.json"))
            ? await File.ReadAllTextAsync(Path.Combine(paramsDirectory, "salted.snapshot.json"))
            : "";
        EventGrid = await ReadSnapshotAsync(Path.Combine(paramsDirectory, "eventgrid.snapshot.json"));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(root, recursive: true);
        return Task.CompletedTask;
    }

    private static async Task<JObject> ReadJsonIfPresentAsync(string path) =>
        File.Exists(path) ? JObject.Parse(await File.ReadAllTextAsync(path)) : [];

    private static async Task<DeploymentSnapshot> ReadSnapshotAsync(string path)
    {
        var document = await ReadJsonIfPresentAsync(path);
        if (!document.ContainsKey("predictedResources"))
        {
            document["predictedResources"] = new JArray();
        }

        return new DeploymentSnapshot(document, SubscriptionId, ResourceGroup);
    }

    /// <summary>Copies the Bicep sources and config only, so no compiled leftover in the source folder can stand in for a failed build.</summary>
    private static void CopySources(string source, string destination)
    {
        var files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
            .Where(file => Path.GetExtension(file) is ".bicep" or ".bicepparam" || Path.GetFileName(file) == "bicepconfig.json");
        foreach (var file in files)
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class InfraCollection : ICollectionFixture<InfraBuild>
{
    public const string Name = "infra-bicep";
}
