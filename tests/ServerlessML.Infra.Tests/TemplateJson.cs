using Newtonsoft.Json.Linq;

namespace ServerlessML.Infra.Tests;

/// <summary>Walks compiled ARM JSON: a template and the templates of the modules nested in it.</summary>
public static class TemplateJson
{
    /// <summary>The template and every nested deployment's template, outermost first.</summary>
    public static IEnumerable<(string Path, JObject Template)> WithNestedTemplates(JObject template, string path = "")
    {
        yield return (path.Length == 0 ? "(root)" : path, template);
        foreach (var resource in Resources(template))
        {
            if ((string?)resource["type"] == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JObject nested)
            {
                var name = path.Length == 0 ? (string)resource["name"]! : $"{path}/{resource["name"]}";
                foreach (var inner in WithNestedTemplates(nested, name))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Resources of one template: an array, or an object keyed by symbolic name (languageVersion 2.0).</summary>
    public static IEnumerable<JObject> Resources(JObject template) => template["resources"] switch
    {
        JArray array => array.OfType<JObject>(),
        JObject byName => byName.Properties().Select(property => property.Value).OfType<JObject>(),
        _ => [],
    };

    public static IEnumerable<JProperty> Outputs(JObject template) =>
        (template["outputs"] as JObject)?.Properties() ?? [];
}
