using Newtonsoft.Json.Linq;

namespace ServerlessML.Infra.Tests;

/// <summary>
/// What `bicep snapshot` predicts a deployment creates: every resource with the template expressions
/// evaluated that can be evaluated before deployment (names, IDs, parameters, variables), and
/// `[reference(...)]` left in place for values only Azure knows (principal IDs, endpoints).
/// </summary>
public sealed class DeploymentSnapshot(JObject document, string subscriptionId, string resourceGroup)
{
    public IReadOnlyList<JObject> Resources { get; } = ((JArray)document["predictedResources"]!).Cast<JObject>().ToList();

    public JObject Outputs { get; } = (JObject?)document["outputs"] ?? [];

    public IReadOnlyList<JToken> Diagnostics { get; } = ((JArray?)document["diagnostics"] ?? []).ToList();

    public IReadOnlyList<JObject> OfType(string type) =>
        Resources.Where(resource => string.Equals((string?)resource["type"], type, StringComparison.OrdinalIgnoreCase)).ToList();

    public JObject Single(string type)
    {
        var matches = OfType(type);
        Assert.True(matches.Count == 1, $"Expected one {type}, found {matches.Count}: {string.Join(", ", matches.Select(m => m["name"]))}");
        return matches[0];
    }

    /// <summary>The ID Azure gives a resource of this resource group.</summary>
    public string ResourceId(string type, string name) =>
        $"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/{type}/{name}";

    public string RoleDefinitionId(string roleId) =>
        $"/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{roleId}";
}
