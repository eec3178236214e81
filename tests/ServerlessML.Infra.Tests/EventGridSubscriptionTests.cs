using Newtonsoft.Json.Linq;

namespace ServerlessML.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class EventGridSubscriptionTests(InfraBuild infra)
{
    [Fact]
    public void SubscriptionSendsOnlyBlobCreatedUnderModels()
    {
        var filter = Subscription()["properties"]!["filter"]!;

        Assert.Equal(["Microsoft.Storage.BlobCreated"], filter["includedEventTypes"]!.Values<string>());
        Assert.Equal("/blobServices/default/containers/models/", (string?)filter["subjectBeginsWith"]);
    }

    [Fact]
    public void SubscriptionIsOnTheStorageSystemTopic()
    {
        Assert.Equal("evgt-serverlessml/models-blob-created", (string?)Subscription()["name"]);
    }

    [Fact]
    public void WebhookIsTheBlobExtensionOfDeployModelWithTheKeyReadAtDeployment()
    {
        var siteId = infra.EventGrid.ResourceId("Microsoft.Web/sites", "serverlessml-app");
        var destination = Subscription()["properties"]!["destination"]!;

        Assert.Equal("WebHook", (string?)destination["endpointType"]);
        Assert.Equal(
            $"[format('https://{{0}}/runtime/webhooks/blobs?functionName=Host.Functions.{{1}}&code={{2}}', " +
            $"reference('{siteId}', '2024-11-01').defaultHostName, 'DeployModel', " +
            $"listKeys('{siteId}/host/default', '2024-11-01').systemKeys.blobs_extension)]",
            (string?)destination["properties"]?["endpointUrl"]);
    }

    private JObject Subscription() => infra.EventGrid.Single("Microsoft.EventGrid/systemTopics/eventSubscriptions");
}
