namespace ServerlessML.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class MonitoringTests(InfraBuild infra)
{
    [Fact]
    public void LogAnalyticsAndApplicationInsightsRefuseKeyBasedAuthentication()
    {
        var workspace = infra.Main.Single("Microsoft.OperationalInsights/workspaces");
        var component = infra.Main.Single("Microsoft.Insights/components");

        Assert.True((bool?)workspace["properties"]?["features"]?["disableLocalAuth"], "Log Analytics disableLocalAuth must be true.");
        Assert.True((bool?)component["properties"]?["DisableLocalAuth"], "Application Insights DisableLocalAuth must be true.");
    }

    [Fact]
    public void ApplicationInsightsStoresItsDataInTheWorkspace()
    {
        var workspace = infra.Main.Single("Microsoft.OperationalInsights/workspaces");
        var component = infra.Main.Single("Microsoft.Insights/components");

        Assert.Equal((string)workspace["id"]!, (string?)component["properties"]?["WorkspaceResourceId"]);
    }
}
