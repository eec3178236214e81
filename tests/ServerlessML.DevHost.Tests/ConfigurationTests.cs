using ServerlessML.DevHost.Configuration;
using ServerlessML.DevHost.Storage;

namespace ServerlessML.DevHost.Tests;

public sealed class ConfigurationTests
{
    private static readonly AppSettingResolver Settings = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["MonitoringSchedule"] = "0 0 * * * *",
        ["ModelsContainer"] = "models",
        ["Serving__Limit"] = "10",
    });

    [Fact]
    public void Setting_tokens_are_replaced_by_their_values()
    {
        Assert.Equal("0 0 * * * *", Settings.Resolve("%MonitoringSchedule%", "schedule"));
        Assert.Equal("models/{model}/{name}", Settings.Resolve("%ModelsContainer%/{model}/{name}", "path"));
    }

    [Fact]
    public void Colon_names_find_double_underscore_settings() =>
        Assert.Equal("10", Settings.GetSetting("Serving:Limit"));

    [Fact]
    public void Missing_setting_is_an_error_naming_it_and_where_it_was_used()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Settings.Resolve("%NoSuchSetting%", "The schedule of Report"));

        Assert.Contains("%NoSuchSetting%", error.Message, StringComparison.Ordinal);
        Assert.Contains("The schedule of Report", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_without_tokens_is_left_alone() =>
        Assert.Equal("0 */5 * * * *", Settings.Resolve("0 */5 * * * *", "schedule"));

    [Fact]
    public void Local_settings_read_values_connection_strings_and_host_section()
    {
        var settings = LocalSettings.Parse(
            """
            { "IsEncrypted": false,
              "Values": { "AzureWebJobsStorage": "UseDevelopmentStorage=true", "Limit": 5, "Flag": true },
              "ConnectionStrings": { "Sql": "Server=x" },
              "Host": { "LocalHttpPort": 7080, "FunctionKey": "fk", "MasterKey": "mk" } }
            """,
            "local.settings.json");

        Assert.Equal("UseDevelopmentStorage=true", settings.Values["AzureWebJobsStorage"]);
        Assert.Equal("5", settings.Values["Limit"]);
        Assert.Equal("true", settings.Values["Flag"]);
        Assert.Equal("Server=x", settings.ConnectionStrings["Sql"]);
        Assert.Equal(7080, settings.LocalHttpPort);
        Assert.Equal(("fk", "mk"), (settings.FunctionKey, settings.MasterKey));
    }

    [Fact]
    public void Encrypted_local_settings_are_refused_with_what_to_do()
    {
        var error = Assert.Throws<InvalidDataException>(() => LocalSettings.Parse("""{ "IsEncrypted": true, "Values": {} }""", "local.settings.json"));
        Assert.Contains("IsEncrypted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_value_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<InvalidDataException>(() => LocalSettings.Parse("""{ "Values": { "Serving": { "Limit": 1 } } }""", "local.settings.json"));
        Assert.Contains("Values.Serving", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sample_settings_are_used_when_local_settings_are_missing()
    {
        string folder = Directory.CreateTempSubdirectory().FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, LocalSettings.SampleFileName), """{ "Values": { "From": "sample" } }""");
            Assert.Equal("sample", LocalSettings.LoadFrom(folder).Values["From"]);

            File.WriteAllText(Path.Combine(folder, LocalSettings.FileName), """{ "Values": { "From": "local" } }""");
            Assert.Equal("local", LocalSettings.LoadFrom(folder).Values["From"]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Repository_settings_file_parses()
    {
        var settings = LocalSettings.LoadFrom(ServerlessML.Testing.RepositoryRoot.Path);
        Assert.NotNull(settings.SourcePath);
        Assert.True(settings.Values.ContainsKey("AzureWebJobsStorage"));
    }

    [Fact]
    public void Host_json_supplies_route_prefix_timeout_and_blob_settings()
    {
        var config = HostConfiguration.Parse(
            """
            { "version": "2.0", "functionTimeout": "00:10:00",
              "extensions": { "http": { "routePrefix": "" }, "blobs": { "poisonBlobThreshold": 3, "maxDegreeOfParallelism": 4 } } }
            """,
            "host.json");

        Assert.Equal("", config.RoutePrefix);
        Assert.Equal(TimeSpan.FromMinutes(10), config.FunctionTimeout);
        Assert.Equal(3, config.PoisonBlobThreshold);
        Assert.Equal(4, config.BlobMaxDegreeOfParallelism);
    }

    [Fact]
    public void Host_json_defaults_are_those_of_the_functions_host()
    {
        var config = HostConfiguration.Parse("""{ "version": "2.0" }""", "host.json");

        Assert.Equal("api", config.RoutePrefix);
        Assert.Null(config.FunctionTimeout);
        Assert.Equal(5, config.PoisonBlobThreshold);
    }

    [Fact]
    public void Repository_host_json_has_an_empty_route_prefix() =>
        Assert.Equal("", HostConfiguration.LoadFrom(ServerlessML.Testing.RepositoryRoot.Path).RoutePrefix);

    [Fact]
    public void Bad_poison_threshold_is_refused_naming_it()
    {
        var error = Assert.Throws<InvalidDataException>(() => HostConfiguration.Parse("""{ "extensions": { "blobs": { "poisonBlobThreshold": 0 } } }""", "host.json"));
        Assert.Contains("poisonBlobThreshold", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Development_storage_settings_are_pointed_at_the_emulator_in_use()
    {
        string actual = AzuriteProcess.ConnectionStringFor(20000, 20001, 20002);
        var rewritten = DevelopmentStorage.PointAt(
            new Dictionary<string, string> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true", ["ModelStorage"] = "usedevelopmentstorage=true;", ["Other"] = "keep" },
            actual);

        Assert.Equal(actual, rewritten["AzureWebJobsStorage"]);
        Assert.Equal(actual, rewritten["ModelStorage"]);
        Assert.Equal("keep", rewritten["Other"]);
    }
}
