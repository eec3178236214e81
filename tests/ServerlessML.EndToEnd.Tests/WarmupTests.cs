using ServerlessML.Testing;

namespace ServerlessML.EndToEnd.Tests;

/// <summary>The worker's start-up warm-up, as the real app wires it (Program.cs) under DevHost.</summary>
[Collection(ServerlessMLAppCollection.Name)]
public sealed class WarmupTests(ServerlessMLApp app)
{
    [Fact]
    public async Task The_worker_runs_a_warm_up_at_start_and_logs_its_summary()
    {
        string line = await Eventually.GetAsync(
            () => Task.FromResult(app.Run.Logs.Lines.FirstOrDefault(l => l.Contains("Warm-up warmed", StringComparison.Ordinal))),
            "the worker's warm-up summary in its log");

        Assert.Contains("production and canary versions in", line, StringComparison.Ordinal);
    }
}
