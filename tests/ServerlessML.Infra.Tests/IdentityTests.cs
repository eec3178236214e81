using Newtonsoft.Json.Linq;

namespace ServerlessML.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class IdentityTests(InfraBuild infra)
{
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string RoleAssignmentType = "Microsoft.Authorization/roleAssignments";

    [Fact]
    public void IdentityHoldsExactlyBlobOwnerAndQueueContributorOnStorageAndMetricsPublisherOnApplicationInsights()
    {
        var storageId = (string)infra.Main.Single("Microsoft.Storage/storageAccounts")["id"]!;
        var insightsId = (string)infra.Main.Single("Microsoft.Insights/components")["id"]!;

        var granted = infra.Main.OfType(RoleAssignmentType)
            .Select(assignment => (Scope: ScopeOf(assignment), Role: (string)assignment["properties"]!["roleDefinitionId"]!))
            .OrderBy(grant => grant.Role, StringComparer.Ordinal)
            .ToList();

        var expected = new[]
            {
                (Scope: storageId, Role: infra.Main.RoleDefinitionId(StorageBlobDataOwner)),
                (Scope: storageId, Role: infra.Main.RoleDefinitionId(StorageQueueDataContributor)),
                (Scope: insightsId, Role: infra.Main.RoleDefinitionId(MonitoringMetricsPublisher)),
            }
            .OrderBy(grant => grant.Role, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, granted);
    }

    [Fact]
    public void EveryRoleAssignmentGoesToTheAppIdentityAsServicePrincipal()
    {
        var identity = infra.Main.Single("Microsoft.ManagedIdentity/userAssignedIdentities");
        var principalReference = $"reference('{identity["id"]}'";

        Assert.All(infra.Main.OfType(RoleAssignmentType), assignment =>
        {
            Assert.StartsWith($"[{principalReference}", (string?)assignment["properties"]?["principalId"]);
            Assert.Contains(".principalId]", (string?)assignment["properties"]?["principalId"]);
            Assert.Equal("ServicePrincipal", (string?)assignment["properties"]?["principalType"]);
        });
    }

    [Fact]
    public void EveryRoleAssignmentIsNamedGuidOfScopeIdentityAndRole()
    {
        var identityId = (string)infra.Main.Single("Microsoft.ManagedIdentity/userAssignedIdentities")["id"]!;

        var assignments = infra.Main.OfType(RoleAssignmentType);
        Assert.NotEmpty(assignments);
        Assert.All(assignments, assignment =>
        {
            var roleId = ((string)assignment["properties"]!["roleDefinitionId"]!).Split('/')[^1];
            var expected = ArmGuid.Create(ScopeOf(assignment), identityId, roleId).ToString();
            Assert.Equal(expected, (string?)assignment["name"]);
        });
    }

    [Fact]
    public void RoleAssignmentNamesAreGuidExpressionsInTheCompiledTemplate()
    {
        var assignments = TemplateJson.WithNestedTemplates(infra.MainTemplate)
            .SelectMany(template => TemplateJson.Resources(template.Template))
            .Where(resource => (string?)resource["type"] == RoleAssignmentType)
            .ToList();

        Assert.Equal(3, assignments.Count);
        Assert.All(assignments, assignment => Assert.StartsWith("[guid(", (string?)assignment["name"]));
    }

    /// <summary>The resource a role assignment is scoped to: its ID up to "/providers/Microsoft.Authorization/".</summary>
    private static string ScopeOf(JObject assignment)
    {
        var id = (string)assignment["id"]!;
        return id[..id.IndexOf("/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal)];
    }
}
