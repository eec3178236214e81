using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;

namespace ServerlessML.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed partial class OutputTests(InfraBuild infra)
{
    [Fact]
    public void NoOutputOfAnyTemplateCallsAListFunctionOrIsSecure()
    {
        var templates = TemplateJson.WithNestedTemplates(infra.MainTemplate)
            .Concat(TemplateJson.WithNestedTemplates(infra.EventGridTemplate, "eventgrid-subscription"))
            .ToList();

        Assert.True(templates.Count > 2, "The compiled templates are missing; see EveryBicepFileBuildsWithoutWarningsOrErrors.");
        foreach (var (path, template) in templates)
        {
            foreach (var output in TemplateJson.Outputs(template))
            {
                var text = output.Value.ToString();
                Assert.False(ListFunctionCall().IsMatch(text), $"Output {output.Name} of {path} calls a list* function, which returns secrets: {text}");
                Assert.DoesNotContain((string?)output.Value["type"], new[] { "securestring", "secureObject" }, StringComparer.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public void OutputsTellTheUserTheAppUrlStorageAndContainers()
    {
        var outputs = infra.Main.Outputs;
        var siteId = (string)infra.Main.Single("Microsoft.Web/sites")["id"]!;

        Assert.Equal($"[format('https://{{0}}', reference('{siteId}', '2024-11-01').defaultHostName)]", (string?)outputs["functionAppUrl"]);
        Assert.Equal((string)infra.Main.Single("Microsoft.Storage/storageAccounts")["name"]!, (string?)outputs["storageAccountName"]);
        Assert.Equal(new[] { "models", "registry", "predictions", "feedback", "reports" }, outputs["containerNames"]!.Values<string>());
        Assert.Equal("app-package", (string?)outputs["deploymentContainerName"]);
    }

    [Fact]
    public void FunctionKeyOutputIsACommandNotTheKey()
    {
        var appName = (string)infra.Main.Single("Microsoft.Web/sites")["name"]!;

        Assert.Equal(
            $"az functionapp keys list --resource-group {InfraBuild.ResourceGroup} --name {appName} --query functionKeys.default --output tsv",
            (string?)infra.Main.Outputs["functionKeyCommand"]);
    }

    [Fact]
    public void EventSubscriptionCommandNamesTheAppAndTheSystemTopic()
    {
        var appName = (string)infra.Main.Single("Microsoft.Web/sites")["name"]!;
        var topicName = (string)infra.Main.Single("Microsoft.EventGrid/systemTopics")["name"]!;
        var command = (string?)infra.Main.Outputs["eventSubscriptionCommand"];

        Assert.Contains("--template-file infra-bicep/eventgrid-subscription.bicep", command);
        Assert.Contains($"functionAppName={appName} systemTopicName={topicName}", command);
    }

    [GeneratedRegex(@"\blist[A-Za-z]*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunctionCall();
}
