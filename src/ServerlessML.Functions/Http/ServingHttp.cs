using System.Globalization;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Http;

/// <summary>
/// Maps serving answers and <see cref="ServingException"/>s onto HTTP: status, the JSON body (and binary
/// tensor data with its Inference-Header-Content-Length), the x-model-version and x-request-id
/// headers, and HTTP compression (a gzip or deflate request body, a compressed answer when Accept-Encoding
/// allows it). The one place where serving meets HTTP.
/// </summary>
public static class ServingHttp
{
    public const string RequestIdHeader = "x-request-id";
    public const string ModelVersionHeader = "x-model-version";
    public const string RoutingKeyHeader = "x-routing-key";

    /// <summary>
    /// Answers shorter than this go uncompressed: a few rows' JSON is a few hundred bytes, where gzip's framing
    /// and the CPU cost buy next to nothing.
    /// </summary>
    public const int MinCompressedAnswerBytes = 1024;

    private const string Gzip = "gzip";
    private const string Deflate = "deflate";
    private const string Identity = "identity";

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

    /// <summary>
    /// Runs a serving call (inference, predict, feedback, health and metadata) and turns its answer or its
    /// <see cref="ServingException"/> into a result. A body sent with Content-Encoding gzip or deflate is
    /// decoded as the call reads <c>request.Body</c>: these routes read it with <see cref="RequestBody.ReadAsync"/>,
    /// so Serving__MaxRequestBodyBytes limits the decoded size and a zip bomb is refused once it passes the limit.
    /// </summary>
    public static async Task<IActionResult> RespondAsync(HttpRequest request, Func<Task<ServingResponse>> serve)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(serve);
        try
        {
            using var decoded = DecodeBody(request);
            return new ServingResult(await serve().ConfigureAwait(false));
        }
        catch (ServingException e)
        {
            return new ServingErrorResult(e, RequestId(request));
        }
    }

    /// <summary>
    /// Runs a management call and answers its result as JSON. A compressed body is refused (415), not decoded:
    /// management bodies are small JSON read without a size limit, which decoding would open to a zip bomb.
    /// </summary>
    public static async Task<IActionResult> RespondJsonAsync<T>(HttpRequest request, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            if (AppliedCodings(request).Length > 0)
            {
                throw new ServingException(ServingErrorCode.UnsupportedMediaType,
                    $"The request body has Content-Encoding \"{Shorten(request.Headers.ContentEncoding.ToString())}\": management routes take a plain JSON body, without Content-Encoding.");
            }

            T value = await call().ConfigureAwait(false);
            return new ServingResult(ServingResponse.Write(w => ManagementJson.Serialize(w, value), null, RequestId(request)));
        }
        catch (ServingException e)
        {
            return new ServingErrorResult(e, RequestId(request));
        }
    }

    /// <summary>
    /// Replaces a gzip- or deflate-encoded <c>request.Body</c> with a stream that decodes it; null when the body
    /// is not encoded. Content-Length stays that of the encoded body, and the body readers keep refusing one
    /// over the limit before reading it: deflate grows incompressible data by a fraction of a percent at most,
    /// so an encoded body over the limit would decode over it too, and refusing it early spares reading it.
    /// </summary>
    /// <exception cref="ServingException">415 for any other encoding, or more than one.</exception>
    private static DecodedBody? DecodeBody(HttpRequest request)
    {
        string[] applied = AppliedCodings(request);
        if (applied.Length == 0)
        {
            return null;
        }

        // Only one coding is decoded: two (e.g. "gzip, br") would be a body compressed twice.
        string coding = applied[0].ToLowerInvariant();
        if (applied.Length > 1 || coding is not (Gzip or "x-gzip" or Deflate))
        {
            throw new ServingException(ServingErrorCode.UnsupportedMediaType,
                $"The request body has Content-Encoding \"{Shorten(request.Headers.ContentEncoding.ToString())}\": expected one of gzip, deflate (zlib) or identity, or no Content-Encoding for a plain body.");
        }

        var decoded = coding == Deflate
            // HTTP's "deflate" is the zlib format (RFC 9110 8.4.1.2), which Triton's client sends (zlib.compress).
            ? new DecodedBody(new ZLibStream(request.Body, CompressionMode.Decompress, leaveOpen: true), Deflate)
            : new DecodedBody(new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true), Gzip);
        request.Body = decoded;
        return decoded;
    }

    /// <summary>The codings Content-Encoding names in the order applied (RFC 9110 8.4), without "identity", which is none.</summary>
    private static string[] AppliedCodings(HttpRequest request) =>
        request.Headers.ContentEncoding
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Where(c => !c.Equals(Identity, StringComparison.OrdinalIgnoreCase))
            .ToArray();

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";

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
        ServingErrorCode.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
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

            // The answer depends on Accept-Encoding whether or not this one is compressed.
            http.Headers.Append(HeaderNames.Vary, HeaderNames.AcceptEncoding);
            var body = response.Body;
            if (body.Length >= MinCompressedAnswerBytes && AnswerCoding(context.HttpContext.Request) is { } coding)
            {
                // Inference-Header-Content-Length keeps giving the JSON's length in the decoded body, as Triton's
                // client reads it: it decompresses the whole body, then splits it.
                body = Compress(body, coding);
                http.Headers.ContentEncoding = coding;
            }

            http.ContentLength = body.Length;
            await http.Body.WriteAsync(body, context.HttpContext.RequestAborted).ConfigureAwait(false);
        }

        private static ReadOnlyMemory<byte> Compress(ReadOnlyMemory<byte> body, string coding)
        {
            var buffer = new MemoryStream(body.Length / 4 + 64);
            // Fastest: serving answers are compressed on the request path, where latency counts more than bytes.
            using (Stream encoder = coding == Gzip
                ? new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)
                : new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            {
                encoder.Write(body.Span);
            }

            return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        }
    }

    /// <summary>
    /// The coding to answer <paramref name="request"/> in: gzip or deflate, whichever Accept-Encoding weighs higher
    /// (gzip on a tie; "*" stands for either when not named; q=0 refuses); null for none, or a header that does not parse.
    /// </summary>
    internal static string? AnswerCoding(HttpRequest request)
    {
        var header = request.Headers.AcceptEncoding;
        if (StringValues.IsNullOrEmpty(header) || !StringWithQualityHeaderValue.TryParseList(header, out var accepted))
        {
            return null;
        }

        double gzip = Weight(accepted, Gzip);
        double deflate = Weight(accepted, Deflate);
        return gzip > 0 && gzip >= deflate ? Gzip : deflate > 0 ? Deflate : null;
    }

    private static double Weight(IList<StringWithQualityHeaderValue> accepted, string coding)
    {
        double? any = null;
        foreach (var entry in accepted)
        {
            if (entry.Value.Equals(coding, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Quality ?? 1;
            }

            if (entry.Value == "*")
            {
                any = entry.Quality ?? 1;
            }
        }

        return any ?? 0;
    }

    /// <summary>
    /// A request body decoded as it is read. Corrupt data is a 400 naming the encoding: the body readers see a
    /// <see cref="ServingException"/>, so the refusal is answered and logged like any bad request.
    /// </summary>
    private sealed class DecodedBody(Stream decoder, string coding) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return decoder.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw Corrupt(e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await decoder.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                throw Corrupt(e);
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                decoder.Dispose();
            }

            base.Dispose(disposing);
        }

        // The decoder's own message ("unsupported compression method") misleads for data that is simply not gzip.
        private ServingException Corrupt(InvalidDataException e) => new(ServingErrorCode.BadRequest,
            coding == Deflate
                ? "The request body has Content-Encoding deflate but is not valid deflate data: compress it in the zlib format (RFC 1950, as zlib.compress does), or send it plain without Content-Encoding."
                : "The request body has Content-Encoding gzip but is not valid gzip data: compress it with gzip, or send it plain without Content-Encoding.",
            inner: e);
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
