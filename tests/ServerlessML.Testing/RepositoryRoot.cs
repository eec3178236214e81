namespace ServerlessML.Testing;

/// <summary>Finds the repository's top folder (the one with ServerlessML.sln) from the test's output folder.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ServerlessML.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No ServerlessML.sln above {AppContext.BaseDirectory}.");
    });

    public static string Path => Root.Value;

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Root.Value, .. parts]);
}
