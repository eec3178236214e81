namespace ServerlessML.DevHost.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void Options_are_read()
    {
        var command = CommandLine.Parse(["--port", "7080", "--no-build", "--configuration", "Release", "--azurite-in-memory", "--no-sample"]);

        Assert.Equal(7080, command.Port);
        Assert.True(command.NoBuild && command.AzuriteInMemory && command.NoSample);
        Assert.Equal("Release", command.Configuration);
    }

    [Fact]
    public void No_options_mean_the_defaults()
    {
        var command = CommandLine.Parse([]);

        Assert.Null(command.Port);
        Assert.Equal("Debug", command.Configuration);
        Assert.False(command.NoBuild);
    }

    [Theory]
    [InlineData("--port", "seventy", "--port 'seventy'")]
    [InlineData("--port", "70000", "--port '70000'")]
    [InlineData("--bogus", null, "'--bogus'")]
    [InlineData("--app", null, "--app needs a value")]
    public void Bad_option_is_refused_naming_it(string option, string? value, string expected)
    {
        string[] args = value is null ? [option] : [option, value];
        var error = Assert.Throws<FormatException>(() => CommandLine.Parse(args));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
