using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using ServerlessML.DevHost.Blobs;
using ServerlessML.DevHost.Rpc;
using ServerlessML.DevHost.Timers;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost.Http;

/// <summary>
/// The part of the Functions host's admin API that DevHost has, all behind the master key:
/// <c>GET admin/host/status</c>, <c>GET admin/functions</c>, and <c>POST admin/functions/{name}</c> with
/// <c>{"input": "..."}</c> to run a function now (202 Accepted, the run is logged). The input of a blob
/// trigger is the blob path ("container/name"); of an HTTP trigger, the request body.
/// </summary>
public sealed class AdminApi(FunctionInvoker invoker, TimerScheduler timers, Func<IReadOnlyList<TimerTrigger>> currentTimers, BlobTriggerDispatcher blobs, Func<HostKeys> keys, ILogger logger) : IAsyncDisposable
{
    private static readonly HttpClient SelfClient = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ConcurrentDictionary<Task, byte> _runs = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly DateTime _started = DateTime.UtcNow;

    /// <summary>Where the front end listens; set once it does, for HTTP functions run through the admin API.</summary>
    public Uri? BaseAddress { get; set; }

    public string HostId { get; init; } = "";

    public async Task HandleAsync(HttpContext context, string path, AuthorizationLevel granted)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(path);
        if (granted != AuthorizationLevel.Admin)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        string method = context.Request.Method;
        string[] segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (HttpMethods.IsGet(method) && segments is ["host", "status"])
        {
            await WriteStatusAsync(context).ConfigureAwait(false);
        }
        else if (HttpMethods.IsGet(method) && segments is ["functions"])
        {
            await WriteFunctionsAsync(context).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPost(method) && segments is ["functions", var name])
        {
            await RunAsync(context, Uri.UnescapeDataString(name)).ConfigureAwait(false);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_runs.Keys).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task WriteStatusAsync(HttpContext context)
    {
        var worker = await CurrentWorkerAsync().ConfigureAwait(false);
        await WriteJsonAsync(context, StatusCodes.Status200OK, new
        {
            id = HostId,
            state = worker is null ? "Restarting" : "Running",
            version = "ServerlessML.DevHost",
            processUptime = (long)(DateTime.UtcNow - _started).TotalMilliseconds,
            worker = worker is null ? null : new { processId = worker.ProcessId, generation = worker.Generation, functions = worker.Functions.Count },
        }).ConfigureAwait(false);
    }

    private async Task WriteFunctionsAsync(HttpContext context)
    {
        var worker = await invoker.GetWorkerAsync(context.RequestAborted).ConfigureAwait(false);
        var list = worker.Functions.Select(f => new
        {
            name = f.Name,
            trigger = f.TriggerType,
            route = f.Kind == TriggerKind.Http ? f.TriggerProperty("route") ?? f.Name : null,
            authLevel = f.Kind == TriggerKind.Http ? f.TriggerProperty("authLevel") ?? "Function" : null,
            path = f.Kind == TriggerKind.Blob ? f.TriggerProperty("path") : null,
            schedule = f.Kind == TriggerKind.Timer ? f.TriggerProperty("schedule") : null,
        });
        await WriteJsonAsync(context, StatusCodes.Status200OK, list).ConfigureAwait(false);
    }

    private async Task RunAsync(HttpContext context, string name)
    {
        var worker = await invoker.GetWorkerAsync(context.RequestAborted).ConfigureAwait(false);
        if (!worker.Functions.TryGet(name, out var function))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync($"No function named '{name}'.", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        string? input;
        try
        {
            input = await ReadInputAsync(context.Request).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync(e.Message, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        Func<CancellationToken, Task> run;
        switch (function.Kind)
        {
            case TriggerKind.Timer:
                var schedule = currentTimers().FirstOrDefault(t => t.Function.Name.Equals(function.Name, StringComparison.OrdinalIgnoreCase))?.Schedule;
                run = ct => timers.RunNowAsync(function, schedule, "admin run", ct);
                break;
            case TriggerKind.Blob:
                int slash = input?.IndexOf('/', StringComparison.Ordinal) ?? -1;
                if (input is null || slash <= 0 || slash == input.Length - 1)
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    await context.Response.WriteAsync($"{function.Name} is blob-triggered: send {{\"input\": \"<container>/<blob name>\"}}.", context.RequestAborted).ConfigureAwait(false);
                    return;
                }

                string container = input[..slash];
                string blob = input[(slash + 1)..];
                run = ct => RunBlobAsync(function.Name, container, blob, ct);
                break;
            case TriggerKind.Http:
                if (!TryGetRunnableUrl(function, out string? relative, out string? reason))
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    await context.Response.WriteAsync(reason, context.RequestAborted).ConfigureAwait(false);
                    return;
                }

                run = ct => RunHttpAsync(function, relative, input, ct);
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync($"{function.Name} has a {function.TriggerType}; DevHost runs HTTP, blob and timer triggers only.", context.RequestAborted).ConfigureAwait(false);
                return;
        }

        logger.LogInformation("Running {Function} now (admin call).", function.Name);
        Track(run);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private void Track(Func<CancellationToken, Task> run)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await run(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is WorkerUnavailableException or FunctionTimeoutException or InvalidOperationException or Azure.RequestFailedException or HttpRequestException)
            {
                logger.LogError("The admin run failed: {Error}", e.Message);
            }
        });
        _runs.TryAdd(task, 0);
        _ = task.ContinueWith(t => _runs.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task RunBlobAsync(string function, string container, string blob, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var response = await blobs.InvokeOnceAsync(function, container, blob, cancellationToken).ConfigureAwait(false);
        if (response.Succeeded())
        {
            logger.LogInformation("{Function} ran for {Container}/{Blob} (admin run) in {Ms:F0} ms.", function, container, blob, clock.Elapsed.TotalMilliseconds);
        }
        else
        {
            logger.LogError("{Function} failed for {Container}/{Blob} (admin run): {Error}", function, container, blob, response.Error());
        }
    }

    /// <summary>An HTTP function runs through the front end itself, with the master key, so it takes the same path as any request.</summary>
    private async Task RunHttpAsync(FunctionDescriptor function, string relativeUrl, string? input, CancellationToken cancellationToken)
    {
        var methods = function.TriggerToken("methods") is JArray list && list.Count > 0 ? list.Select(m => ((string?)m ?? "").ToUpperInvariant()).ToList() : ["POST"];
        string method = input is not null && methods.Contains("POST") ? "POST" : methods[0];
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(BaseAddress!, relativeUrl));
        request.Headers.Add(HostKeys.KeyHeader, keys().MasterKey);
        if (input is not null)
        {
            request.Content = new StringContent(input);
        }

        using var response = await SelfClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("{Function} answered the admin run with {Status}.", function.Name, (int)response.StatusCode);
    }

    private bool TryGetRunnableUrl(FunctionDescriptor function, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? relativeUrl, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? reason)
    {
        var route = HttpRouteTable.Build([function], RoutePrefix).Routes.FirstOrDefault();
        var parsed = route is null ? null : Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(route.Template);
        if (route is null || parsed!.Parameters.Any(p => !p.IsOptional && p.DefaultValue is null))
        {
            relativeUrl = null;
            reason = $"{function.Name}'s route '{route?.Template}' has required parameters: call it at its URL instead.";
            return false;
        }

        relativeUrl = string.Join('/', parsed.Segments.TakeWhile(s => s.IsSimple && s.Parts[0].IsLiteral).Select(s => s.Parts[0].Text));
        reason = null;
        return true;
    }

    /// <summary>The route prefix of host.json, for HTTP functions run through the admin API.</summary>
    public string RoutePrefix { get; set; } = "api";

    private static async Task<string?> ReadInputAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        string body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            var input = (JObject.Parse(body).GetValue("input", StringComparison.OrdinalIgnoreCase) as JValue)?.Value;
            return input is null ? null : Convert.ToString(input, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (JsonReaderException e)
        {
            throw new InvalidDataException($"The body must be JSON like {{\"input\": \"...\"}}: {e.Message}", e);
        }
    }

    private async Task<LoadedWorker?> CurrentWorkerAsync()
    {
        try
        {
            return await invoker.GetWorkerAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WorkerUnavailableException)
        {
            return null;
        }
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, object value)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(JsonConvert.SerializeObject(value, Formatting.Indented), context.RequestAborted).ConfigureAwait(false);
    }
}
