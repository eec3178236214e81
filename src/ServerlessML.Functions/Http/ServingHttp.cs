using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Http;

/// <summary>
/// Maps serving answers and <see cref="ServingException"/>s onto HTTP: status, the JSON body (and binary
/// tensor data with its Inference-Header-Content-Length), and the x-model-version and x-request-id
/// headers. The one place where serving meets HTTP.
/// </summary>
public static class ServingHttp
{
    public const string RequestIdHeader = "x-request-id";
    public const string ModelVersionHeader = "x-model-version";
    public const string RoutingKeyHeader = "x-routing-key";

    /// <summary>The caller's request id, when it sent one.</summary>
    public static string? RequestId(HttpRequest request) =>
        request.Headers.TryGetValue(RequestIdHeader, out var id) && !string.IsNullOrWhiteSpace(id) ? id.ToString() : null;

    /// <summary>The serving request an HTTP request carries: body, its length, and the id, routing and binary-data headers.</summary>
    public static ServingRequest ToServingRequest(HttpRequest request, string model, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ServingRequest(model, request.Body)
        {
            Version = version,
            ContentLength = request.ContentLength,
            RequestId = RequestId(request),
            RoutingKey = request.Headers.TryGetValue(RoutingKeyHeader, out var key) && !string.IsNullOrEmpty(key) ? key.ToString() : null,
            // Passed as sent: the service checks it, so a bad value is refused and logged like any bad request.
            InferenceHeaderContentLength = request.Headers.TryGetValue(BinaryTensorData.HeaderName, out var jsonLength) ? jsonLength.ToString() : null,
        };
    }

    /// <summary>Runs a serving call and turns its answer or its <see cref="ServingException"/> into a result.</summary>
    public static async Task<IActionResult> RespondAsync(HttpRequest request, Func<Task<ServingResponse>> serve)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(serve);
        try
        {
            return new ServingResult(await serve().ConfigureAwait(false));
        }
        catch (ServingException e)
        {
            return new ServingErrorResult(e, RequestId(request));
        }
    }

    /// <summary>Runs a management call and answers its result as JSON.</summary>
    public static Task<IActionResult> RespondJsonAsync<T>(HttpRequest request, Func<Task<T>> call) =>
        RespondAsync(request, async () =>
        {
            T value = await call().ConfigureAwait(false);
            return ServingResponse.Write(w => ManagementJson.Serialize(w, value), null, RequestId(request));
        });

    private static readonly Newtonsoft.Json.JsonSerializer ManagementJson = Newtonsoft.Json.JsonSerializer.Create(new Newtonsoft.Json.JsonSerializerSettings
    {
        DateFormatString = "yyyy-MM-ddTHH:mm:ss.fffZ",
        DateTimeZoneHandling = Newtonsoft.Json.DateTimeZoneHandling.Utc,
    });

    public static int StatusFor(ServingErrorCode code) => code switch
    {
        ServingErrorCode.BadRequest => StatusCodes.Status400BadRequest,
        ServingErrorCode.NotFound => StatusCodes.Status404NotFound,
        ServingErrorCode.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ServingErrorCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ServingErrorCode.Conflict => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };

    private sealed class ServingResult(ServingResponse response) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var http = context.HttpContext.Response;
            http.StatusCode = response.Ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            if (response.BinaryJsonLength is { } jsonLength)
            {
                // JSON followed by binary tensor data; the JSON alone is application/json (as Triton answers).
                http.ContentType = BinaryTensorData.ContentType;
                http.Headers[BinaryTensorData.HeaderName] = jsonLength.ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                http.ContentType = "application/json; charset=utf-8";
            }

            if (response.ModelVersion is not null)
            {
                http.Headers[ModelVersionHeader] = response.ModelVersion;
            }

            if (response.RequestId is not null)
            {
                http.Headers[RequestIdHeader] = response.RequestId;
            }

            http.ContentLength = response.Body.Length;
            await http.Body.WriteAsync(response.Body, context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
    }

    private sealed class ServingErrorResult(ServingException error, string? requestId) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var http = context.HttpContext.Response;
            http.StatusCode = StatusFor(error.Code);
            http.ContentType = "application/json; charset=utf-8";
            requestId = error.RequestId ?? requestId;
            if (requestId is not null)
            {
                http.Headers[RequestIdHeader] = requestId;
            }

            if (error.ModelVersion is not null)
            {
                http.Headers[ModelVersionHeader] = error.ModelVersion;
            }

            if (error.RetryAfter is { } retry)
            {
                http.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            var body = ServingResponse.Write(w =>
            {
                w.WriteStartObject();
                w.WritePropertyName("error");
                w.WriteValue(error.Message);
                w.WriteEndObject();
            }, null, requestId);
            http.ContentLength = body.Body.Length;
            await http.Body.WriteAsync(body.Body, context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
