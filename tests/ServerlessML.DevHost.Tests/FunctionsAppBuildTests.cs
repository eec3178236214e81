using ServerlessML.DevHost.Build;

namespace ServerlessML.DevHost.Tests;

public sealed class FunctionsAppBuildTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("devhost-build-").FullName;
    private readonly string _project;
    private readonly string _output;

    public FunctionsAppBuildTests()
    {
        string app = Directory.CreateDirectory(Path.Combine(_root, "src", "App")).FullName;
        string library = Directory.CreateDirectory(Path.Combine(_root, "src", "Lib")).FullName;
        _project = Path.Combine(app, "App.csproj");
        File.WriteAllText(_project, """<Project><ItemGroup><ProjectReference Include="..\Lib\Lib.csproj" /></ItemGroup></Project>""");
        File.WriteAllText(Path.Combine(app, "Function.cs"), "// app");
        File.WriteAllText(Path.Combine(library, "Lib.csproj"), "<Project />");
        File.WriteAllText(Path.Combine(library, "Service.cs"), "// library");
        _output = Directory.CreateDirectory(Path.Combine(app, "bin", "Debug", "net10.0")).FullName;
        File.WriteAllText(Path.Combine(_output, "worker.config.json"), "{}");
        File.WriteAllText(Path.Combine(_output, "App.dll"), "");
        SetTimes(DateTime.UtcNow.AddMinutes(-10));
        File.SetLastWriteTimeUtc(Path.Combine(_output, "App.dll"), DateTime.UtcNow.AddMinutes(-5));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Output_folder_is_the_one_with_worker_config() =>
        Assert.Equal(_output, FunctionsAppBuild.FindOutputFolder(_project, "Debug"));

    [Fact]
    public void Build_older_than_nothing_is_up_to_date() =>
        Assert.False(FunctionsAppBuild.IsStale(_project, _output, _root, out _));

    [Fact]
    public void Changed_source_in_a_referenced_project_makes_the_build_stale()
    {
        File.SetLastWriteTimeUtc(Path.Combine(_root, "src", "Lib", "Service.cs"), DateTime.UtcNow);

        Assert.True(FunctionsAppBuild.IsStale(_project, _output, _root, out string reason));
        Assert.Contains("Service.cs", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Changes_under_bin_and_obj_do_not_count()
    {
        string obj = Directory.CreateDirectory(Path.Combine(_root, "src", "App", "obj")).FullName;
        File.WriteAllText(Path.Combine(obj, "Generated.cs"), "// generated");

        Assert.False(FunctionsAppBuild.IsStale(_project, _output, _root, out _));
    }

    [Fact]
    public void Missing_output_means_a_build_is_needed()
    {
        Assert.True(FunctionsAppBuild.IsStale(_project, null, _root, out string reason));
        Assert.Contains("not been built", reason, StringComparison.Ordinal);
    }

    private void SetTimes(DateTime time)
    {
        foreach (string file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, time);
        }
    }
}
