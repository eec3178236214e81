using System.Globalization;

namespace ServerlessML.DevHost;

/// <summary>The options of <c>dotnet run --project src/ServerlessML.DevHost -- [options]</c>.</summary>
public sealed class CommandLine
{
    public const string Usage = """
        ServerlessML DevHost: runs the Functions app locally (HTTP, blob and timer triggers) against Azurite.

        Usage: dotnet run --project src/ServerlessML.DevHost [-- options]

          --port <n>              HTTP port (default: Host.LocalHttpPort of local.settings.json, else 7071)
          --project <csproj>      the Functions app project (default: src/ServerlessML.Functions)
          --app <folder>          run an already built app folder instead (no build)
          --configuration <name>  build configuration (default: Debug)
          --no-build              do not build; use the last build output
          --settings <file>       settings file (default: local.settings.json, else local.settings.sample.json)
          --azurite-in-memory     if DevHost starts Azurite, keep its data in memory (default: in .azurite/)
          --no-sample             do not deploy the sample model
          --verbose               show debug logs
          --help                  show this text
        """;

    public int? Port { get; private init; }

    public string? Project { get; private init; }

    public string? AppFolder { get; private init; }

    public string Configuration { get; private init; } = "Debug";

    public bool NoBuild { get; private init; }

    public string? SettingsFile { get; private init; }

    public bool AzuriteInMemory { get; private init; }

    public bool NoSample { get; private init; }

    public bool Verbose { get; private init; }

    public bool Help { get; private init; }

    /// <summary>Parses the arguments; throws <see cref="FormatException"/> naming the bad one.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int? port = null;
        string? project = null, app = null, settings = null;
        string configuration = "Debug";
        bool noBuild = false, inMemory = false, noSample = false, verbose = false, help = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string Value() => i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                ? args[++i]
                : throw new FormatException($"{arg} needs a value.");
            switch (arg)
            {
                case "--port":
                    string text = Value();
                    port = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536
                        ? p
                        : throw new FormatException($"--port '{text}' is not a port number (1-65535).");
                    break;
                case "--project": project = Value(); break;
                case "--app": app = Value(); break;
                case "--configuration" or "-c": configuration = Value(); break;
                case "--settings": settings = Value(); break;
                case "--no-build": noBuild = true; break;
                case "--azurite-in-memory": inMemory = true; break;
                case "--no-sample": noSample = true; break;
                case "--verbose": verbose = true; break;
                case "--help" or "-h" or "-?": help = true; break;
                default: throw new FormatException($"Unknown option '{arg}'. Run with --help for the options.");
            }
        }

        if (app is not null && project is not null)
        {
            throw new FormatException("--app and --project exclude each other: --app runs a built folder, --project builds a project.");
        }

        return new CommandLine
        {
            Port = port,
            Project = project,
            AppFolder = app,
            Configuration = configuration,
            NoBuild = noBuild,
            SettingsFile = settings,
            AzuriteInMemory = inMemory,
            NoSample = noSample,
            Verbose = verbose,
            Help = help,
        };
    }
}
