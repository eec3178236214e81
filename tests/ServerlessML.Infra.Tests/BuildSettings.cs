using System.Reflection;

namespace ServerlessML.Infra.Tests;

/// <summary>Values MSBuild wrote into this assembly (see the AssemblyMetadata items of the csproj).</summary>
internal static class BuildSettings
{
    public static string NuGetPackageRoot => Read(nameof(NuGetPackageRoot));

    public static string BicepCliVersion => Read(nameof(BicepCliVersion));

    public static string RepositoryRoot => Read(nameof(RepositoryRoot));

    private static string Read(string key)
    {
        var value = typeof(BuildSettings).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == key)?.Value;
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"Assembly metadata '{key}' is empty; build the test project with `dotnet build` or `dotnet test` so MSBuild fills it in.");
        }

        return value;
    }
}
