using Microsoft.Extensions.Logging;

namespace ServerlessML.DevHost.Logging;

/// <summary>
/// Writes one concise line per log entry: <c>12:00:01 [http] GET /v2/health/live -> 200 ...</c>, the
/// category as the tag ([host] [http] [blob] [timer] [worker] [storage] [sample]).
/// </summary>
public sealed class TaggedConsoleLoggerProvider(LogLevel minimumLevel, TextWriter? output = null) : ILoggerProvider
{
    private readonly TextWriter _output = output ?? Console.Out;
    private readonly object _write = new();

    public ILogger CreateLogger(string categoryName) => new TaggedLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string tag, LogLevel level, string message, Exception? exception)
    {
        string prefix = level switch
        {
            LogLevel.Warning => "warning: ",
            LogLevel.Error => "error: ",
            LogLevel.Critical => "critical: ",
            _ => "",
        };
        string line = $"{DateTime.Now:HH:mm:ss} [{tag}] {prefix}{message}{(exception is null ? "" : Environment.NewLine + exception)}";
        lock (_write)
        {
            _output.WriteLine(line);
        }
    }

    private sealed class TaggedLogger(TaggedConsoleLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.MinimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(category, logLevel, formatter(state, exception), exception);
            }
        }
    }

    public LogLevel MinimumLevel { get; } = minimumLevel;
}
