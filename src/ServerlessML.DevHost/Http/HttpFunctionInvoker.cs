using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Newtonsoft.Json;
using ServerlessML.DevHost.Rpc;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost.Http;

/// <summary>
/// Runs an HTTP-triggered function for a request, in the mode the worker chose:
/// with ASP.NET Core integration (the worker reported an <c>HttpUri</c>) the request is forwarded to the
/// worker's own HTTP server with header <c>x-ms-invocation-id</c> while the gRPC invocation carries only the
/// trigger metadata; otherwise the whole request travels in the invocation as <c>RpcHttp</c> and the
/// response comes back in the invocation response.
/// </summary>
public sealed class HttpFunctionInvoker(FunctionInvoker invoker, ILogger logger)
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    private static readonly HttpClient Forwarder = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    })
    {
        // functionTimeout bounds an invocation; the forwarded call must not end before it.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Invokes the function for <paramref name="context"/> and writes its response.</summary>
    public async Task InvokeAsync(HttpContext context, LoadedWorker worker, HttpRouteMatch match, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(match);
        var function = match.Route.Function;
        var request = FunctionInvoker.NewRequest(function);
        bool forward = worker.HttpUri is not null;
        var http = ToRpcHttp(context.Request, match.RouteValues, body: forward ? null : await ReadBodyAsync(context.Request, cancellationToken).ConfigureAwait(false));
        request.InputData.Add(new ParameterBinding { Name = function.TriggerParameterName, Data = new TypedData { Http = http } });
        AddTriggerMetadata(request, http, match.RouteValues);

        if (forward)
        {
            await ForwardAsync(context, worker, request, function.Name, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var response = await invoker.InvokeAsync(worker, request, cancellationToken).ConfigureAwait(false);
            await WriteRpcResponseAsync(context, function, response, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static RpcHttp ToRpcHttp(HttpRequest request, IReadOnlyDictionary<string, string> routeValues, byte[]? body)
    {
        var http = new RpcHttp { Method = request.Method, Url = request.GetEncodedUrl() };
        foreach (var (name, values) in request.Headers)
        {
            string value = values.ToString();
            http.Headers[name] = value;
            // The worker reads headers only from nullable_headers (it announces UseNullableValueDictionaryForHttp).
            http.NullableHeaders[name] = new NullableString { Value = value };
        }

        foreach (var (name, values) in request.Query)
        {
            string value = values.ToString();
            http.Query[name] = value;
            http.NullableQuery[name] = new NullableString { Value = value };
        }

        foreach (var (name, value) in routeValues)
        {
            http.Params[name] = value;
            http.NullableParams[name] = new NullableString { Value = value };
        }

        if (body is not null)
        {
            // The worker announces RawHttpBodyBytes: the body is always bytes, whatever its content type.
            var data = new TypedData { Bytes = ByteString.CopyFrom(body) };
            http.Body = data;
            http.RawBody = data;
        }

        return http;
    }

    private static void AddTriggerMetadata(InvocationRequest request, RpcHttp http, IReadOnlyDictionary<string, string> routeValues)
    {
        request.TriggerMetadata["Query"] = new TypedData { Json = JsonConvert.SerializeObject(http.Query) };
        request.TriggerMetadata["Headers"] = new TypedData { Json = JsonConvert.SerializeObject(http.Headers) };
        // Route values bind to function parameters by name only through the trigger metadata.
        foreach (var (name, value) in routeValues)
        {
            request.TriggerMetadata[name] = new TypedData { String = value };
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private async Task ForwardAsync(HttpContext context, LoadedWorker worker, InvocationRequest request, string function, CancellationToken cancellationToken)
    {
        using var invocationAborted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var invocation = invoker.InvokeAsync(worker, request, invocationAborted.Token);

        using var message = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(worker.HttpUri!, context.Request.Path.Value + context.Request.QueryString.Value));
        bool hasBody = context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0;
        if (hasBody)
        {
            message.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHopHeaders.Contains(name))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        message.Headers.TryAddWithoutValidation(InvocationIdHeader, request.InvocationId);

        HttpResponseMessage forwarded;
        try
        {
            forwarded = await Forwarder.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            await invocationAborted.CancelAsync().ConfigureAwait(false);
            await ObserveAsync(invocation).ConfigureAwait(false);
            throw new WorkerUnavailableException($"The worker's HTTP server at {worker.HttpUri} did not answer: {e.Message}", e);
        }

        using (forwarded)
        {
            // The worker answers over HTTP even when the function throws; the invocation result says whether
            // it failed, and then the caller gets 500 as from the Functions host. So the answer is held until
            // both are in (a development host can afford to buffer a response).
            using var body = new MemoryStream();
            await forwarded.Content.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
            var response = await invocation.ConfigureAwait(false);
            if (!response.Succeeded())
            {
                logger.LogError("{Function} failed: {Error}", function, response.Error());
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return;
            }

            context.Response.StatusCode = (int)forwarded.StatusCode;
            foreach (var (name, values) in forwarded.Headers.Concat(forwarded.Content.Headers))
            {
                if (!HopByHopHeaders.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            body.Position = 0;
            await body.CopyToAsync(context.Response.Body, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WorkerUnavailableException or FunctionTimeoutException)
        {
            // The forwarded request failed; that is what the caller reports.
        }
    }

    private async Task WriteRpcResponseAsync(HttpContext context, FunctionDescriptor function, InvocationResponse response, CancellationToken cancellationToken)
    {
        if (!response.Succeeded())
        {
            logger.LogError("{Function} failed: {Error}", function.Name, response.Error());
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        // The HTTP output is the return value, or an output binding of type http with another name.
        var http = response.ReturnValue?.Http ?? response.OutputData.FirstOrDefault(o => o.Data?.Http is not null)?.Data.Http;
        if (http is null)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        context.Response.StatusCode = int.TryParse(http.StatusCode, out int status) ? status : StatusCodes.Status200OK;
        foreach (var (name, value) in http.Headers)
        {
            if (!HopByHopHeaders.Contains(name) && !name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = value;
            }
        }

        foreach (var cookie in http.Cookies)
        {
            context.Response.Headers.Append(HeaderNames.SetCookie, ToSetCookie(cookie));
        }

        byte[] body = http.Body?.DataCase switch
        {
            TypedData.DataOneofCase.Bytes => http.Body.Bytes.ToByteArray(),
            TypedData.DataOneofCase.Stream => http.Body.Stream.ToByteArray(),
            TypedData.DataOneofCase.String => System.Text.Encoding.UTF8.GetBytes(http.Body.String),
            TypedData.DataOneofCase.Json => System.Text.Encoding.UTF8.GetBytes(http.Body.Json),
            _ => [],
        };
        if (body.Length > 0)
        {
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string ToSetCookie(RpcHttpCookie cookie)
    {
        var header = new SetCookieHeaderValue(cookie.Name, cookie.Value)
        {
            Domain = cookie.Domain?.Value,
            Path = cookie.Path?.Value,
            Secure = cookie.Secure?.Value ?? false,
            HttpOnly = cookie.HttpOnly?.Value ?? false,
            SameSite = cookie.SameSite switch
            {
                RpcHttpCookie.Types.SameSite.Lax => Microsoft.Net.Http.Headers.SameSiteMode.Lax,
                RpcHttpCookie.Types.SameSite.Strict => Microsoft.Net.Http.Headers.SameSiteMode.Strict,
                RpcHttpCookie.Types.SameSite.ExplicitNone => Microsoft.Net.Http.Headers.SameSiteMode.None,
                _ => Microsoft.Net.Http.Headers.SameSiteMode.Unspecified,
            },
        };
        if (cookie.Expires?.Value is { } expires)
        {
            header.Expires = expires.ToDateTimeOffset();
        }

        if (cookie.MaxAge?.Value is { } maxAge)
        {
            header.MaxAge = TimeSpan.FromSeconds(maxAge);
        }

        return header.ToString();
    }
}
