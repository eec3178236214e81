using Newtonsoft.Json.Linq;

namespace ServerlessML.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class AlertTests(InfraBuild infra)
{
    private const string RuleType = "Microsoft.Insights/scheduledQueryRules";

    // The custom events of the app that have a rule (ReportTelemetry, the deployment function).
    private static readonly string[] AlertedEvents = ["ThresholdBreached", "ModelDeploymentFailed", "CanaryJudged"];

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
    public void CanaryRollbackAlertFiresOnlyOnCanaryJudgedEventsThatRolledBack()
    {
        var insightsId = (string)infra.Main.Single("Microsoft.Insights/components")["id"]!;
        var rule = RuleFor(infra.Main, "CanaryJudged");
        var criterion = Assert.Single((JArray)rule["properties"]!["criteria"]!["allOf"]!);
        var query = (string?)criterion["query"];

        // ReportTelemetry sends Verdict "promote" or "roll back"; a promotion is no reason to wake anyone.
        Assert.Equal("customEvents | where name == \"CanaryJudged\" | where tostring(customDimensions.Verdict) == \"roll back\"", query);
        Assert.Contains("name == \"CanaryJudged\"", query, StringComparison.Ordinal);
        Assert.Contains("Verdict) == \"roll back\"", query, StringComparison.Ordinal);
        Assert.DoesNotContain("promote", query, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([insightsId], rule["properties"]!["scopes"]!.Values<string>());
        Assert.Equal("Count", (string?)criterion["timeAggregation"]);
        Assert.Equal("GreaterThan", (string?)criterion["operator"]);
        Assert.Equal(0, (int?)criterion["threshold"]);
        Assert.True((bool?)rule["properties"]!["enabled"]);
    }

    [Fact]
    public void CanaryRollbackAlertTellsOnCallWhatHappenedAndWhereToLook()
    {
        var rule = RuleFor(infra.Main, "CanaryJudged");
        var description = (string?)rule["properties"]!["description"];

        Assert.Equal("ServerlessML: canary rolled back", (string?)rule["properties"]!["displayName"]);
        Assert.NotNull(description);
        foreach (var phrase in new[] { "rolled back", "production keeps serving", "CanaryJudged", "Verdict \"roll back\"", "Model", "Version", "Production", "Description" })
        {
            Assert.Contains(phrase, description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CanaryRollbackAlertNotifiesAndEvaluatesLikeTheOtherRules()
    {
        foreach (var snapshot in new[] { infra.Main, infra.MainCustom })
        {
            var canary = RuleFor(snapshot, "CanaryJudged");
            var others = snapshot.OfType(RuleType).Where(rule => rule != canary).ToList();

            Assert.Equal(AlertedEvents.Length - 1, others.Count);
            Assert.All(others, other =>
            {
                Assert.True(JToken.DeepEquals(other["identity"], canary["identity"]), $"identity differs: {other["identity"]} and {canary["identity"]}");
                foreach (var property in new[] { "actions", "scopes", "evaluationFrequency", "windowSize", "autoMitigate" })
                {
                    Assert.True(JToken.DeepEquals(other["properties"]![property], canary["properties"]![property]),
                        $"{property} of {canary["name"]} is {canary["properties"]![property]}, of {other["name"]} {other["properties"]![property]}.");
                }
            });
        }
    }

    [Fact]
    public void AlertsNotifyNobodyWithoutAnActionGroup()
    {
        var rules = infra.Main.OfType(RuleType);

        Assert.Equal(AlertedEvents.Length, rules.Count);
        Assert.All(AlertedEvents, eventName => RuleFor(infra.Main, eventName));
        Assert.All(rules, rule => Assert.Empty((JArray)rule["properties"]!["actions"]!["actionGroups"]!));
    }

    [Fact]
    public void AlertsNotifyTheActionGroupGiven()
    {
        var rules = infra.MainCustom.OfType(RuleType);

        Assert.Equal(AlertedEvents.Length, rules.Count);
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
