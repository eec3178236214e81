using Newtonsoft.Json.Linq;

namespace ServerlessML.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class AlertTests(InfraBuild infra)
{
    private const string RuleType = "Microsoft.Insights/scheduledQueryRules";

    [Theory]
    [InlineData("ThresholdBreached")]
    [InlineData("ModelDeploymentFailed")]
    public void AlertRuleFiresOnTheAppsCustomEvent(string eventName)
    {
        var insightsId = (string)infra.Main.Single("Microsoft.Insights/components")["id"]!;
        var rule = RuleFor(infra.Main, eventName);
        var criterion = Assert.Single((JArray)rule["properties"]!["criteria"]!["allOf"]!);

        Assert.Equal([insightsId], rule["properties"]!["scopes"]!.Values<string>());
        Assert.Equal($"customEvents | where name == \"{eventName}\"", (string?)criterion["query"]);
        Assert.Equal("Count", (string?)criterion["timeAggregation"]);
        Assert.Equal("GreaterThan", (string?)criterion["operator"]);
        Assert.Equal(0, (int?)criterion["threshold"]);
        Assert.True((bool?)rule["properties"]!["enabled"]);
    }

    [Fact]
    public void AlertsNotifyNobodyWithoutAnActionGroup()
    {
        var rules = infra.Main.OfType(RuleType);

        Assert.Equal(2, rules.Count);
        Assert.All(rules, rule => Assert.Empty((JArray)rule["properties"]!["actions"]!["actionGroups"]!));
    }

    [Fact]
    public void AlertsNotifyTheActionGroupGiven()
    {
        var rules = infra.MainCustom.OfType(RuleType);

        Assert.Equal(2, rules.Count);
        Assert.All(rules, rule =>
            Assert.Equal([InfraBuild.CustomActionGroupId], rule["properties"]!["actions"]!["actionGroups"]!.Values<string>()));
    }

    private static JObject RuleFor(DeploymentSnapshot snapshot, string eventName)
    {
        var matches = snapshot.OfType(RuleType)
            .Where(rule => rule["properties"]?["criteria"]?["allOf"]?.Any(c => ((string?)c["query"])?.Contains($"\"{eventName}\"", StringComparison.Ordinal) == true) == true)
            .ToList();
        Assert.True(matches.Count == 1, $"Expected one alert rule on customEvents named {eventName}, found {matches.Count}.");
        return matches[0];
    }
}
