namespace ServerlessML.Inference;

/// <summary>What went wrong with a serving request, in terms a caller can act on.</summary>
public enum ServingErrorCode
{
    /// <summary>The request is malformed or does not fit the model: fix the request.</summary>
    BadRequest,

    /// <summary>No such model or version: check the name, or deploy it.</summary>
    NotFound,

    /// <summary>The body is larger than the configured limit: send smaller batches.</summary>
    PayloadTooLarge,

    /// <summary>The model is loading or cannot be loaded right now: retry after the given delay.</summary>
    Unavailable,

    /// <summary>The request contradicts the model's current state (e.g. rolling back with no earlier version).</summary>
    Conflict,

    /// <summary>The body is encoded in a way the server does not decode (Content-Encoding): send it as gzip, deflate or plain.</summary>
    UnsupportedMediaType,
}

/// <summary>
/// A request that cannot be served, with a code that maps to an HTTP status and a message that names
/// the input, what was expected and what was received.
/// </summary>
public sealed class ServingException : Exception
{
    public ServingException(ServingErrorCode code, string message, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        RetryAfter = retryAfter;
    }

    public ServingErrorCode Code { get; }

    /// <summary>Set with <see cref="ServingErrorCode.Unavailable"/>: when to try again.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The version that refused the request, once the traffic policy chose one (the error answer's x-model-version).</summary>
    public string? ModelVersion { get; private init; }

    /// <summary>The request's id, the caller's or the generated one, under which the refusal is in the prediction log.</summary>
    public string? RequestId { get; private init; }

    /// <summary>
    /// This error as one request's answer: a new exception, because one instance can be thrown to many requests
    /// (every waiter of a failed model load gets the same one).
    /// </summary>
    internal ServingException ForRequest(string? modelVersion, string requestId) =>
        new(Code, Message, RetryAfter, this) { ModelVersion = modelVersion, RequestId = requestId };

    public static ServingException BadRequest(string message) => new(ServingErrorCode.BadRequest, message);
}
