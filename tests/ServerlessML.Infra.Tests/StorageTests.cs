using Newtonsoft.Json.Linq;

namespace ServerlessML.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class StorageTests(InfraBuild infra)
{
    private const string AccountType = "Microsoft.Storage/storageAccounts";

    [Fact]
    public void StorageAccountRefusesSharedKeysPublicBlobsAndOldTls()
    {
        var properties = (JObject)infra.Main.Single(AccountType)["properties"]!;

        Assert.False((bool?)properties["allowSharedKeyAccess"] ?? true, "allowSharedKeyAccess must be false.");
        Assert.False((bool?)properties["allowBlobPublicAccess"] ?? true, "allowBlobPublicAccess must be false.");
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        Assert.True((bool?)properties["supportsHttpsTrafficOnly"] ?? false, "supportsHttpsTrafficOnly must be true.");
        Assert.True((bool?)properties["defaultToOAuthAuthentication"] ?? false, "defaultToOAuthAuthentication must be true.");
    }

    [Fact]
    public void StorageAccountHasTheDesignContainersAndTheDeploymentContainerAllPrivate()
    {
        var accountName = (string)infra.Main.Single(AccountType)["name"]!;
        var containers = infra.Main.OfType("Microsoft.Storage/storageAccounts/blobServices/containers");

        var names = containers.Select(container => ((string)container["name"]!).Split('/')).ToList();
        Assert.All(names, parts => Assert.Equal([accountName, "default"], parts[..2]));
        Assert.Equal(
            new[] { "app-package", "feedback", "models", "predictions", "registry", "reports" },
            names.Select(parts => parts[2]).Order(StringComparer.Ordinal));
        Assert.All(containers, container => Assert.Equal("None", (string?)container["properties"]?["publicAccess"]));
    }

    [Fact]
    public void DeletedBlobsAndContainersStayRestorable()
    {
        var properties = infra.Main.Single("Microsoft.Storage/storageAccounts/blobServices")["properties"]!;

        Assert.True((bool?)properties["deleteRetentionPolicy"]?["enabled"]);
        Assert.True((bool?)properties["containerDeleteRetentionPolicy"]?["enabled"]);
    }

    [Fact]
    public void EventGridSystemTopicWatchesTheStorageAccount()
    {
        var account = infra.Main.Single(AccountType);
        var topic = infra.Main.Single("Microsoft.EventGrid/systemTopics");

        Assert.Equal((string)account["id"]!, (string?)topic["properties"]?["source"]);
        Assert.Equal("Microsoft.Storage.StorageAccounts", (string?)topic["properties"]?["topicType"]);
    }
}
