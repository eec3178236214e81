using Newtonsoft.Json.Linq;

namespace ServerlessML.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class FunctionAppTests(InfraBuild infra)
{
    private const string SiteType = "Microsoft.Web/sites";

    // App settings that Flex Consumption refuses or ignores: their job moved to functionAppConfig,
    // or they belong to content shares and plans Flex does not have (Functions app settings
    // reference, "Flex Consumption plan deprecations").
    private static readonly string[] SettingsFlexRefuses =
    [
        "FUNCTIONS_EXTENSION_VERSION",
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_WORKER_RUNTIME_VERSION",
        "FUNCTIONS_MAX_HTTP_CONCURRENCY",
        "FUNCTIONS_WORKER_PROCESS_COUNT",
        "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED",
        "SCM_DO_BUILD_DURING_DEPLOYMENT",
        "ENABLE_ORYX_BUILD",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTOVERVNET",
        "WEBSITE_CONTENTSHARE",
        "WEBSITE_DNS_SERVER",
        "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT",
        "WEBSITE_NODE_DEFAULT_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_SKIP_CONTENTSHARE_VALIDATION",
        "WEBSITE_VNET_ROUTE_ALL",
        "WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED",
        "WEBSITE_MOUNT_ENABLED",
        "WEBSITE_TIME_ZONE",
        "TZ",
        "WEBSITES_CONTAINER_START_TIME_LIMIT",
    ];

    // Site configuration that Flex Consumption takes from functionAppConfig instead, or rejects.
    private static readonly string[] SiteConfigFlexRefuses =
    [
        "linuxFxVersion",
        "windowsFxVersion",
        "netFrameworkVersion",
        "javaVersion",
        "powerShellVersion",
        "alwaysOn",
        "use32BitWorkerProcess",
        "functionAppScaleLimit",
        "minimumElasticInstanceCount",
        "preWarmedInstanceCount",
    ];

    [Fact]
    public void PlanIsFlexConsumptionOnLinux()
    {
        var plan = infra.Main.Single("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", (string?)plan["sku"]?["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]?["tier"]);
        Assert.True((bool?)plan["properties"]?["reserved"], "A Flex Consumption plan is Linux: reserved must be true.");
        Assert.Equal((string)plan["id"]!, (string?)Site()["properties"]?["serverFarmId"]);
    }

    [Fact]
    public void AppRunsDotnetIsolatedTen()
    {
        var runtime = Site()["properties"]?["functionAppConfig"]?["runtime"];

        Assert.Equal("dotnet-isolated", (string?)runtime?["name"]);
        Assert.Equal("10.0", (string?)runtime?["version"]);
        Assert.Equal("functionapp,linux", (string?)Site()["kind"]);
    }

    [Fact]
    public void AppServesHttpsOnlyWithTls12()
    {
        Assert.True((bool?)Site()["properties"]?["httpsOnly"], "httpsOnly must be true.");
        Assert.Equal("1.2", (string?)Site()["properties"]?["siteConfig"]?["minTlsVersion"]);
    }

    [Fact]
    public void AppRunsAsTheUserAssignedIdentityOnly()
    {
        var identityId = (string)infra.Main.Single("Microsoft.ManagedIdentity/userAssignedIdentities")["id"]!;
        var identity = Site()["identity"]!;

        Assert.Equal("UserAssigned", (string?)identity["type"]);
        Assert.Equal([identityId], ((JObject)identity["userAssignedIdentities"]!).Properties().Select(p => p.Name));
    }

    [Fact]
    public void DeploymentPackageComesFromTheStorageContainerThroughTheIdentity()
    {
        var identityId = (string)infra.Main.Single("Microsoft.ManagedIdentity/userAssignedIdentities")["id"]!;
        var storageId = (string)infra.Main.Single("Microsoft.Storage/storageAccounts")["id"]!;
        var storage = Site()["properties"]?["functionAppConfig"]?["deployment"]?["storage"];

        Assert.Equal("blobContainer", (string?)storage?["type"]);
        Assert.Equal("UserAssignedIdentity", (string?)storage?["authentication"]?["type"]);
        Assert.Equal(identityId, (string?)storage?["authentication"]?["userAssignedIdentityResourceId"]);
        // The URL is the account's blob endpoint (known only in Azure) followed by the container name.
        Assert.Equal($"[format('{{0}}{{1}}', reference('{storageId}', '2024-01-01').primaryEndpoints.blob, 'app-package')]", (string?)storage?["value"]);
        Assert.Null(storage?["authentication"]?["storageAccountConnectionStringName"]);
    }

    [Fact]
    public void ScaleDefaultsToTwoGigabyteInstancesUpToAHundredAndScaleToZero()
    {
        var scale = Site()["properties"]?["functionAppConfig"]?["scaleAndConcurrency"];

        Assert.Equal(2048, (int?)scale?["instanceMemoryMB"]);
        Assert.Equal(100, (int?)scale?["maximumInstanceCount"]);
        Assert.Empty((JArray)scale!["alwaysReady"]!);
    }

    [Fact]
    public void AlwaysReadyParameterKeepsHttpInstancesWarm()
    {
        var site = infra.MainCustom.Single(SiteType);
        var alwaysReady = (JArray)site["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["alwaysReady"]!;

        var group = Assert.Single(alwaysReady);
        Assert.Equal("http", (string?)group["name"]);
        Assert.Equal(InfraBuild.CustomAlwaysReadyHttpInstances, (int?)group["instanceCount"]);
    }

    [Fact]
    public void HostAndModelStorageConnectIdentityBasedThroughTheAppIdentity()
    {
        var settings = AppSettings();
        var identityReference = $"[reference('{infra.Main.Single("Microsoft.ManagedIdentity/userAssignedIdentities")["id"]}', '2023-01-31').clientId]";
        var storageReference = $"reference('{infra.Main.Single("Microsoft.Storage/storageAccounts")["id"]}', '2024-01-01').primaryEndpoints";

        foreach (var connection in new[] { "AzureWebJobsStorage", "ModelStorage" })
        {
            Assert.Equal("managedidentity", settings[$"{connection}__credential"]);
            Assert.Equal(identityReference, settings[$"{connection}__clientId"]);
            Assert.Equal($"[{storageReference}.blob]", settings[$"{connection}__blobServiceUri"]);
            Assert.Equal($"[{storageReference}.queue]", settings[$"{connection}__queueServiceUri"]);
            Assert.False(settings.ContainsKey(connection), $"{connection} must not be a connection string: the account refuses shared keys.");
        }
    }

    [Fact]
    public void ApplicationInsightsAuthenticatesWithTheAppIdentity()
    {
        var settings = AppSettings();
        var clientId = $"reference('{infra.Main.Single("Microsoft.ManagedIdentity/userAssignedIdentities")["id"]}', '2023-01-31').clientId";

        Assert.Equal($"[format('ClientId={{0}};Authorization=AAD', {clientId})]", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.StartsWith($"[reference('{infra.Main.Single("Microsoft.Insights/components")["id"]}'", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
        Assert.False(settings.ContainsKey("APPINSIGHTS_INSTRUMENTATIONKEY"), "APPINSIGHTS_INSTRUMENTATIONKEY is key-based ingestion, which is off.");
    }

    [Fact]
    public void NoSettingCarriesAKeyOrSharedAccessSignature()
    {
        Assert.All(AppSettings(), setting =>
        {
            Assert.DoesNotContain("AccountKey=", setting.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SharedAccessSignature", setting.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys", setting.Value, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public void MonitoringTimerSettingsDefaultToHourlyOverTwentyFourHours()
    {
        var settings = AppSettings();

        Assert.Equal("0 0 * * * *", settings["MonitoringSchedule"]);
        Assert.Equal("24:00:00", settings["MonitoringWindow"]);
    }

    [Fact]
    public void NoSettingOrSiteConfigThatFlexConsumptionRefuses()
    {
        var settings = AppSettings();
        var siteConfig = (JObject)Site()["properties"]!["siteConfig"]!;

        var refusedSettings = SettingsFlexRefuses.Where(settings.ContainsKey).ToList();
        var refusedSiteConfig = SiteConfigFlexRefuses.Where(name => siteConfig.GetValue(name, StringComparison.OrdinalIgnoreCase) is not null).ToList();

        Assert.True(refusedSettings.Count == 0, $"App settings Flex Consumption refuses: {string.Join(", ", refusedSettings)}");
        Assert.True(refusedSiteConfig.Count == 0, $"siteConfig properties Flex Consumption refuses: {string.Join(", ", refusedSiteConfig)}");
    }

    [Fact]
    public void HashSaltParameterIsSecureAndEmptyByDefault()
    {
        var parameter = (JObject?)infra.MainTemplate["parameters"]?["predictionLogHashSalt"];
        var moduleParameter = (JObject?)FunctionAppDeployment()["properties"]?["template"]?["parameters"]?["predictionLogHashSalt"];

        Assert.NotNull(parameter);
        Assert.Equal("securestring", (string?)parameter["type"]);
        Assert.Equal("", (string?)parameter["defaultValue"]);
        Assert.NotNull(moduleParameter);
        Assert.Equal("securestring", (string?)moduleParameter["type"]);
        Assert.Contains("Key Vault reference", (string?)parameter["metadata"]?["description"], StringComparison.Ordinal);
    }

    [Fact]
    public void HashSaltIsInNoOutput()
    {
        var templates = TemplateJson.WithNestedTemplates(infra.MainTemplate).ToList();

        Assert.Contains(templates, entry => entry.Path == "function-app");
        foreach (var (path, template) in templates)
        {
            foreach (var output in TemplateJson.Outputs(template))
            {
                Assert.DoesNotContain("HashSalt", output.Value.ToString(), StringComparison.OrdinalIgnoreCase);
            }
        }

        Assert.NotEmpty(infra.MainSalted.Outputs.Properties());
        Assert.DoesNotContain("prediction-log-salt", infra.MainSalted.Outputs.ToString(), StringComparison.Ordinal);
        // The snapshot keeps the value of a secure parameter out of everything it predicts, too.
        Assert.DoesNotContain("prediction-log-salt", infra.MainSaltedText, StringComparison.Ordinal);
    }

    [Fact]
    public void HashSaltSettingIsLeftOutWithoutASalt()
    {
        var settings = AppSettings();

        Assert.False(settings.ContainsKey("PredictionLog__HashSalt"), "With no salt given the app must get no PredictionLog__HashSalt setting.");
        // The other settings are still evaluated: the empty salt did not make the whole list unknown.
        Assert.Equal("24:00:00", settings["MonitoringWindow"]);
    }

    [Fact]
    public void HashSaltSettingIsAddedFromTheParameterOnlyWhenItIsNotEmpty()
    {
        // `bicep snapshot` does not evaluate a secure parameter that has a value, so the given-salt case is
        // pinned down on the compiled expressions: main passes null for an empty salt, and the module adds
        // the setting, with the parameter as its value, only when the salt is not empty.
        var deployment = FunctionAppDeployment();
        var appSettings = (string?)deployment["properties"]?["template"]?["variables"]?["appSettings"];

        Assert.Equal(
            "[if(empty(parameters('predictionLogHashSalt')), createObject('value', null()), createObject('value', parameters('predictionLogHashSalt')))]",
            (string?)deployment["properties"]?["parameters"]?["predictionLogHashSalt"]);
        Assert.NotNull(appSettings);
        Assert.Contains(
            ", if(empty(parameters('predictionLogHashSalt')), createObject(), createObject('PredictionLog__HashSalt', parameters('predictionLogHashSalt'))))]",
            appSettings,
            StringComparison.Ordinal);
        Assert.True(appSettings.StartsWith("[union(", StringComparison.Ordinal), appSettings);
        Assert.Single(infra.SnapshotRuns, run => run.Arguments.StartsWith("snapshot salted.bicepparam", StringComparison.Ordinal) && run.ExitCode == 0);
    }

    [Fact]
    public void KeyVaultReferencesResolveWithTheAppIdentity()
    {
        var identityId = (string)infra.Main.Single("Microsoft.ManagedIdentity/userAssignedIdentities")["id"]!;

        Assert.Equal(identityId, (string?)Site()["properties"]?["keyVaultReferenceIdentity"]);
    }

    private JObject Site() => infra.Main.Single(SiteType);

    /// <summary>The compiled nested deployment of modules/function-app.bicep in main.json.</summary>
    private JObject FunctionAppDeployment() =>
        Assert.Single(TemplateJson.Resources(infra.MainTemplate),
            resource => (string?)resource["type"] == "Microsoft.Resources/deployments" && (string?)resource["name"] == "function-app");

    /// <summary>App settings by name; Azure compares setting names case-insensitively.</summary>
    private Dictionary<string, string> AppSettings()
    {
        var settings = (JArray?)Site()["properties"]?["siteConfig"]?["appSettings"]
            ?? throw new InvalidOperationException("The function app has no siteConfig.appSettings.");
        return settings.ToDictionary(setting => (string)setting["name"]!, setting => (string)setting["value"]!, StringComparer.OrdinalIgnoreCase);
    }
}
