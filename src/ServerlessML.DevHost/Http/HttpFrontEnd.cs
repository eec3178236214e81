using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessML.DevHost.Blobs;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost.Http;

/// <summary>
/// The host's HTTP server: function routes by template, method and auth level; the admin API
/// (<c>admin/...</c>, master key); the blob trigger's Event Grid webhook (<c>runtime/webhooks/blobs</c>).
/// </summary>
public sealed class HttpFrontEnd : IAsyncDisposable
{
    /// <summary>The Azure Functions request body limit.</summary>
    public const long MaxRequestBodyBytes = 100L * 1024 * 1024;

    private readonly WebApplication _app;
    private readonly HostKeys _keys;
    private readonly FunctionInvoker _invoker;
    private readonly HttpFunctionInvoker _httpInvoker;
    private readonly AdminApi _admin;
    private readonly BlobWebhookEndpoint _webhook;
    private readonly ILogger _logger;
    private volatile HttpRouteTable _routes = HttpRouteTable.Empty;

    private HttpFrontEnd(WebApplication app, HostKeys keys, FunctionInvoker invoker, AdminApi admin, BlobWebhookEndpoint webhook, ILogger logger)
    {
        _app = app;
        _keys = keys;
        _invoker = invoker;
        _httpInvoker = new HttpFunctionInvoker(invoker, logger);
        _admin = admin;
        _webhook = webhook;
        _logger = logger;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The routes of the current worker's functions; replaced when a worker (re)starts.</summary>
    public HttpRouteTable Routes
    {
        get => _routes;
        set => _routes = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Starts listening on <paramref name="address"/>:<paramref name="port"/> (0 picks a free port).</summary>
    public static async Task<HttpFrontEnd> StartAsync(IPAddress address, int port, HostKeys keys, FunctionInvoker invoker, AdminApi admin, BlobWebhookEndpoint webhook, ILogger logger, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
        });
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedHostLifetime>();
        var app = builder.Build();
        var frontEnd = new HttpFrontEnd(app, keys, invoker, admin, webhook, logger);
        app.Run(frontEnd.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"Cannot listen on {address}:{port} ({e.Message}). Is another host running? Pass --port to use another port.", e);
        }

        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        frontEnd.BaseAddress = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        return frontEnd;
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(grace.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var clock = Stopwatch.StartNew();
        string handledBy = "";
        try
        {
            string path = context.Request.Path.Value ?? "/";
            if (path.StartsWith("/admin/", StringComparison.OrdinalIgnoreCase) || path.Equals("/admin", StringComparison.OrdinalIgnoreCase))
            {
                handledBy = "admin";
                await _admin.HandleAsync(context, path["/admin".Length..].Trim('/'), _keys.Grant(HostKeys.PresentedKey(context.Request))).ConfigureAwait(false);
            }
            else if (path.TrimEnd('/').Equals("/runtime/webhooks/blobs", StringComparison.OrdinalIgnoreCase))
            {
                handledBy = "blob webhook";
                await _webhook.HandleAsync(context, _keys.Grant(HostKeys.PresentedKey(context.Request))).ConfigureAwait(false);
            }
            else
            {
                handledBy = await InvokeFunctionAsync(context).ConfigureAwait(false);
            }
        }
        catch (WorkerUnavailableException e)
        {
            _logger.LogWarning("{Method} {Path}: {Error}", context.Request.Method, context.Request.Path, e.Message);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "5";
                await context.Response.WriteAsync("The Functions worker is not running; it is being restarted. Try again in a few seconds.", context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (FunctionTimeoutException e)
        {
            _logger.LogError("{Method} {Path}: {Error}", context.Request.Method, context.Request.Path, e.Message);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)
        {
            // Kestrel's own limits, e.g. a body over MaxRequestBodyBytes (413).
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = e.StatusCode;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            handledBy += " (client disconnected)";
        }
        finally
        {
            // The query is left out of the log: it may carry a key (code=...).
            _logger.LogInformation("{Method} {Path} -> {Status} {HandledBy} {Ms:F1} ms", context.Request.Method, context.Request.Path, context.Response.StatusCode, handledBy, clock.Elapsed.TotalMilliseconds);
        }
    }

    private async Task<string> InvokeFunctionAsync(HttpContext context)
    {
        var match = _routes.Match(context.Request.Method, context.Request.Path, out bool pathMatched);
        if (match is null)
        {
            // Like the Functions host: a route that exists for other methods is still a 404.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return pathMatched ? "(no function for this method)" : "(no route)";
        }

        var route = match.Route;
        if (!HostKeys.Allows(route.AuthLevel, _keys.Grant(HostKeys.PresentedKey(context.Request))))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return $"{route.Function.Name} (needs a {(route.AuthLevel >= AuthorizationLevel.System ? "master" : "function")} key in the {HostKeys.KeyHeader} header or the {HostKeys.KeyQueryParameter} query parameter)";
        }

        var worker = await _invoker.GetWorkerAsync(context.RequestAborted).ConfigureAwait(false);
        await _httpInvoker.InvokeAsync(context, worker, match, context.RequestAborted).ConfigureAwait(false);
        return route.Function.Name;
    }
}
