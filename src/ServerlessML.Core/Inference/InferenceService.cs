using System.Diagnostics;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessML.Logging;
using ServerlessML.Registry;

namespace ServerlessML.Inference;

/// <summary>
/// The serving API behind the HTTP functions: Open Inference Protocol inference and metadata, and V1
/// predict. Every method either returns a JSON answer or throws a <see cref="ServingException"/>
/// whose code maps to a 4xx or 503; nothing a client sends makes it fail otherwise.
/// </summary>
public sealed class InferenceService
{
    public const string ServerName = "serverlessml";

    private static readonly string ServerVersion =
        typeof(InferenceService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private readonly ModelRouter _router;
    private readonly SessionCache _sessions;
    private readonly RegistryStore _store;
    private readonly ServingOptions _options;
    private readonly IPredictionObserver[] _observers;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _shadowSlots;
    private long _shadowDropped;

    public InferenceService(ModelRouter router, SessionCache sessions, RegistryStore store, IOptions<ServingOptions> options,
        IEnumerable<IPredictionObserver> observers, ILogger<InferenceService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _router = router;
        _sessions = sessions;
        _store = store;
        _options = options.Value;
        _observers = observers.ToArray();
        _logger = logger;
        _shadowSlots = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentShadowRuns));
    }

    public ServingOptions Options => _options;

    /// <summary>POST v2/models/{model}[/versions/{version}]/infer.</summary>
    public Task<ServingResponse> InferAsync(ServingRequest request, CancellationToken cancellationToken = default) =>
        ServeAsync(request, ServingProtocol.OpenInference, cancellationToken);

    /// <summary>POST v1/models/{model}:predict with {"instances": [...]}.</summary>
    public Task<ServingResponse> PredictAsync(ServingRequest request, CancellationToken cancellationToken = default) =>
        ServeAsync(request with { Version = null }, ServingProtocol.KServeV1, cancellationToken);

    /// <summary>How many shadow copies were dropped because the shadow path was busy.</summary>
    public long ShadowRequestsDropped => Interlocked.Read(ref _shadowDropped);

    private async Task<ServingResponse> ServeAsync(ServingRequest call, ServingProtocol protocol, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        long started = Stopwatch.GetTimestamp();
        string id = call.RequestId ?? NewRequestId();
        ModelRoute? route = null;
        int rows = 0;
        var observed = new Observation();
        try
        {
            using var content = await RequestBody.ReadAsync(call.Body, call.ContentLength, _options.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
            route = await _router.RouteAsync(call.Model, call.Version, call.RoutingKey, cancellationToken).ConfigureAwait(false);
            var answer = await RunAsync(route, content, call.InferenceHeaderContentLength, protocol, id, observed, cancellationToken).ConfigureAwait(false);
            (id, rows) = (answer.RequestId!, answer.Rows);
            if (route.ShadowVersion is { } shadow)
            {
                StartShadow(route with { Version = shadow, Kind = RouteKind.Shadow, ShadowVersion = null }, content.ToArray(), call.InferenceHeaderContentLength, protocol, id);
            }

            Observe(call.Model, route, id, protocol, started, rows, null, observed);
            return answer.Response;
        }
        catch (ServingException e)
        {
            Observe(call.Model, route, id, protocol, started, rows, e, observed);
            // The error answer names the version and id the refusal is logged under, as a served answer does.
            throw e.ForRequest(route?.Version, id);
        }
    }

    /// <param name="binaryHeader">Header Inference-Header-Content-Length as sent; null for a JSON-only body.</param>
    private async Task<(ServingResponse Response, string? RequestId, int Rows)> RunAsync(ModelRoute route, MemoryStream content, string? binaryHeader, ServingProtocol protocol, string id, Observation observed, CancellationToken cancellationToken)
    {
        using var lease = await _sessions.AcquireAsync(route.Model, route.Version, cancellationToken).ConfigureAwait(false);
        var loaded = lease.Model;
        observed.Manifest = loaded.Manifest;
        if (protocol == ServingProtocol.OpenInference)
        {
            var request = ReadInferRequest(content, binaryHeader);
            id = request.Id ?? id;
            int rows = request.Inputs[0].Shape.Length > 0 ? (int)Math.Min(request.Inputs[0].Shape[0], int.MaxValue) : 1;
            using var outputs = loaded.Onnx.Run(request.Inputs, request.RequestedOutputs);
            var response = WriteInferResponse(route, id, request, outputs);
            if (WantsDetail(id, loaded.Manifest))
            {
                try
                {
                    observed.Detail = PredictionDetail.ForOpenInference(loaded, request, outputs);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    CaptureFailed(e, id, loaded);
                }
            }

            return (response, id, rows);
        }
        else
        {
            if (binaryHeader is not null)
            {
                throw ServingException.BadRequest($"Header {BinaryTensorData.HeaderName} is for binary tensor data, which only v2/models/{{model}}/infer takes: V1 predict reads a JSON body.");
            }

            using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
            var layout = TabularLayout.For(route.Model, loaded.Onnx.Signature, loaded.Manifest);
            var request = InstancesReader.Read(text, layout, _options);
            id = request.Id ?? id;
            using var outputs = loaded.Onnx.Run(request.Inputs, []);
            var response = ServingResponse.Write(w => PredictionWriter.Write(w, route.Model, route.Version, id, outputs, request.Rows, loaded.Manifest), route.Version, id);
            if (WantsDetail(id, loaded.Manifest))
            {
                try
                {
                    observed.Detail = PredictionDetail.ForInstances(loaded, layout, request, outputs);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    CaptureFailed(e, id, loaded);
                }
            }

            return (response, id, request.Rows);
        }
    }

    /// <summary>
    /// Reads an Open Inference Protocol request: the whole body as JSON, or, with header
    /// Inference-Header-Content-Length, that many bytes of JSON followed by binary tensor data.
    /// </summary>
    private InferenceRequest ReadInferRequest(MemoryStream content, string? binaryHeader)
    {
        if (binaryHeader is null)
        {
            using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
            return V2RequestReader.Read(text, _options);
        }

        int jsonLength = BinaryTensorData.ParseJsonLength(binaryHeader, content.Length);
        if (!content.TryGetBuffer(out var body))
        {
            throw new InvalidOperationException("The request body buffer must be publicly visible to read binary tensor data without a copy.");
        }

        using var json = new MemoryStream(body.Array!, body.Offset, jsonLength, writable: false);
        using var jsonText = new StreamReader(json, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
        return V2RequestReader.Read(jsonText, _options, body.AsMemory(jsonLength));
    }

    /// <summary>The JSON answer, or JSON followed by binary tensor data when the request asked for any output as binary.</summary>
    private static ServingResponse WriteInferResponse(ModelRoute route, string id, InferenceRequest request, ModelOutputs outputs)
    {
        bool IsBinary(OutputValue output) => request.IsBinaryOutput(output.Spec.Name);
        if (!outputs.All.Any(IsBinary))
        {
            return ServingResponse.Write(w => V2ResponseWriter.WriteInferResponse(w, route.Model, route.Version, id, outputs), route.Version, id);
        }

        return ServingResponse.WriteWithBinary(
            w => V2ResponseWriter.WriteInferResponse(w, route.Model, route.Version, id, outputs, IsBinary),
            body => V2ResponseWriter.WriteBinaryOutputs(body, outputs, IsBinary),
            route.Version,
            id);
    }

    /// <summary>Whether an observer wants the request's rows, which are then taken while the outputs are still alive.</summary>
    private bool WantsDetail(string id, ModelManifest? manifest)
    {
        bool wanted = false;
        foreach (var observer in _observers)
        {
            wanted |= observer.WantsDetail(id, manifest);
        }

        return wanted;
    }

    /// <summary>A failed capture costs the log its detail, never the caller its answer.</summary>
    private void CaptureFailed(Exception e, string id, LoadedModel loaded) =>
        _logger.LogError(e, "Could not capture the rows of request {RequestId} to {Model} version {Version} for the prediction log.", id, loaded.Name, loaded.Version);

    /// <summary>
    /// Runs a copy of the request on the shadow version after the caller has its answer. Bounded: when
    /// the shadow path is busy the copy is dropped and counted, never queued behind live traffic.
    /// </summary>
    private void StartShadow(ModelRoute shadow, byte[] body, string? binaryHeader, ServingProtocol protocol, string id)
    {
        if (!_shadowSlots.Wait(0))
        {
            Interlocked.Increment(ref _shadowDropped);
            _logger.LogWarning("Shadow copy of request {RequestId} to {Model} version {Version} dropped: {Limit} shadow runs already in flight.",
                id, shadow.Model, shadow.Version, _options.MaxConcurrentShadowRuns);
            return;
        }

        _ = Task.Run(async () =>
        {
            long started = Stopwatch.GetTimestamp();
            int rows = 0;
            ServingException? error = null;
            var observed = new Observation();
            try
            {
                using var content = new MemoryStream(body, 0, body.Length, writable: false, publiclyVisible: true);
                rows = (await RunAsync(shadow, content, binaryHeader, protocol, id, observed, CancellationToken.None).ConfigureAwait(false)).Rows;
            }
            catch (ServingException e)
            {
                error = e;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Shadow run of request {RequestId} on {Model} version {Version} failed.", id, shadow.Model, shadow.Version);
                // Observed as a failure, so that telemetry and the log do not count it as served.
                error = new ServingException(ServingErrorCode.Unavailable, $"The shadow run failed: {e.Message}", inner: e);
            }
            finally
            {
                _shadowSlots.Release();
            }

            Observe(shadow.Model, shadow, id, protocol, started, rows, error, observed);
        });
    }

    /// <summary>GET v2/models/{model}[/versions/{version}]: inputs and outputs read from the ONNX graph.</summary>
    public async Task<ServingResponse> GetModelMetadataAsync(string model, string? version, CancellationToken cancellationToken = default)
    {
        var route = await _router.RouteAsync(model, version, cancellationToken: cancellationToken).ConfigureAwait(false);
        var record = await _router.GetRecordAsync(model, cancellationToken).ConfigureAwait(false);
        using var lease = await _sessions.AcquireAsync(route.Model, route.Version, cancellationToken).ConfigureAwait(false);
        var readyVersions = record.Versions.Where(v => v.State == ModelVersionStates.Ready).Select(v => v.Version);
        return ServingResponse.Write(
            w => V2ResponseWriter.WriteModelMetadata(w, model, readyVersions, route.Version, lease.Model.Onnx.Signature), route.Version, null);
    }

    /// <summary>
    /// GET v2/models/{model}[/versions/{version}]/ready: ready once its session is loaded. Asking starts
    /// the load; while it runs the answer is "not ready" (503 with Retry-After).
    /// </summary>
    public async Task<ServingResponse> GetModelReadyAsync(string model, string? version, CancellationToken cancellationToken = default)
    {
        var route = await _router.RouteAsync(model, version, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!_sessions.IsLoaded(route.Model, route.Version))
        {
            // Start (or join) the load; answer once it is done or when the wait runs out.
            using var lease = await _sessions.AcquireAsync(route.Model, route.Version, cancellationToken).ConfigureAwait(false);
        }

        return ServingResponse.Write(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("name");
            w.WriteValue(model);
            w.WritePropertyName("model_version");
            w.WriteValue(route.Version);
            w.WritePropertyName("ready");
            w.WriteValue(true);
            w.WriteEndObject();
        }, route.Version, null);
    }

    /// <summary>GET v2: the server's name, version and protocol extensions.</summary>
    public static ServingResponse GetServerMetadata() => ServingResponse.Write(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("name");
        w.WriteValue(ServerName);
        w.WritePropertyName("version");
        w.WriteValue(ServerVersion);
        w.WritePropertyName("extensions");
        w.WriteStartArray();
        w.WriteValue(BinaryTensorData.ExtensionName);
        w.WriteValue("kserve_v1_predict");
        w.WriteEndArray();
        w.WriteEndObject();
    }, null, null);

    /// <summary>GET v2/health/ready: ready when the model storage answers.</summary>
    public async Task<ServingResponse> GetServerReadyAsync(CancellationToken cancellationToken = default)
    {
        bool ready;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await _store.Container.GetPropertiesAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            ready = true;
        }
        catch (Exception e) when (e is Azure.RequestFailedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning(e, "The registry container does not answer; reporting not ready.");
            ready = false;
        }

        return ServingResponse.Write(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("ready");
            w.WriteValue(ready);
            w.WriteEndObject();
        }, null, null, ok: ready);
    }

    public static string NewRequestId() => Guid.NewGuid().ToString("N");

    private void Observe(string model, ModelRoute? route, string id, ServingProtocol protocol, long started, int rows, ServingException? error, Observation observed)
    {
        var prediction = new PredictionEvent(model, route?.Version, route?.Kind, id, protocol, Stopwatch.GetElapsedTime(started), rows, error?.Code, error?.Message)
        {
            Manifest = observed.Manifest,
            Detail = error is null ? observed.Detail : null,
        };
        foreach (var observer in _observers)
        {
            try
            {
                observer.OnPrediction(prediction);
            }
            catch (Exception e)
            {
                // An observer must never turn a served request into a failed one.
                _logger.LogError(e, "Prediction observer {Observer} failed.", observer.GetType().Name);
            }
        }
    }

    /// <summary>What one run learnt that observers may need: the served version's manifest and the captured rows.</summary>
    private sealed class Observation
    {
        public ModelManifest? Manifest { get; set; }

        public PredictionDetail? Detail { get; set; }
    }
}
