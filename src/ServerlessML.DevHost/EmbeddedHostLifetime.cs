using Microsoft.Extensions.Hosting;

namespace ServerlessML.DevHost;

/// <summary>
/// The lifetime of DevHost's internal web servers (gRPC endpoint, HTTP front end): none of their own.
/// The default console lifetime would stop each server on Ctrl+C by itself, closing the worker's stream
/// before the worker gets WorkerTerminate; DevHost stops them in order instead.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
