using System.Collections;
using Newtonsoft.Json.Linq;
using ServerlessML.DevHost.Rpc;

namespace ServerlessML.DevHost.Worker;

public enum TriggerKind
{
    Http,
    Blob,
    Timer,

    /// <summary>A trigger DevHost does not drive (queues, Event Hubs, ...); it can still be loaded.</summary>
    Other,
}

/// <summary>One function as the worker indexed it: id, trigger binding and the raw binding JSON.</summary>
public sealed class FunctionDescriptor
{
    private readonly JObject _trigger;

    private FunctionDescriptor(string id, RpcFunctionMetadata metadata, string triggerName, JObject trigger, IReadOnlyList<JObject> bindings)
    {
        Id = id;
        Metadata = metadata;
        TriggerParameterName = triggerName;
        _trigger = trigger;
        Bindings = bindings;
        TriggerType = trigger.Value<string>("type") ?? "";
        Kind = TriggerType.ToLowerInvariant() switch
        {
            "httptrigger" => TriggerKind.Http,
            "blobtrigger" => TriggerKind.Blob,
            "timertrigger" => TriggerKind.Timer,
            _ => TriggerKind.Other,
        };
    }

    public string Name => Metadata.Name;

    /// <summary>The id the worker knows the function by in invocations.</summary>
    public string Id { get; }

    public RpcFunctionMetadata Metadata { get; }

    /// <summary>The trigger parameter name, e.g. "request"; the invocation input is bound by it.</summary>
    public string TriggerParameterName { get; }

    /// <summary>The trigger binding type as written in the metadata, e.g. "httpTrigger".</summary>
    public string TriggerType { get; }

    public TriggerKind Kind { get; }

    /// <summary>All bindings as raw JSON (trigger, inputs, outputs).</summary>
    public IReadOnlyList<JObject> Bindings { get; }

    /// <summary>A property of the trigger binding, e.g. "route", "path", "schedule"; null when absent.</summary>
    public string? TriggerProperty(string name) => _trigger.GetValue(name, StringComparison.OrdinalIgnoreCase) switch
    {
        null or { Type: JTokenType.Null } => null,
        JValue value => value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        var token => token.ToString(Newtonsoft.Json.Formatting.None),
    };

    public JToken? TriggerToken(string name) => _trigger.GetValue(name, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// True when the worker asked for SDK-type ("deferred") binding data for the trigger: the host then
    /// sends a ModelBindingData reference instead of the content, and the worker reads the blob itself.
    /// </summary>
    public bool SupportsDeferredBinding =>
        _trigger["properties"] is JObject properties
        && properties.GetValue("SupportsDeferredBinding", StringComparison.OrdinalIgnoreCase)?.ToString().Equals("true", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Builds a descriptor from the metadata a worker returned; throws naming the function when it has no trigger.</summary>
    public static FunctionDescriptor FromMetadata(RpcFunctionMetadata metadata, string id)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var bindings = metadata.RawBindings.Select(raw => JObject.Parse(raw)).ToList();
        var trigger = bindings.FirstOrDefault(b =>
                (b.Value<string>("type") ?? "").EndsWith("Trigger", StringComparison.OrdinalIgnoreCase)
                && !"out".Equals(b.Value<string>("direction"), StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidDataException($"Function '{metadata.Name}' has no trigger binding in its metadata.");
        return new FunctionDescriptor(id, metadata, trigger.Value<string>("name") ?? "", trigger, bindings);
    }
}

/// <summary>The functions one worker has loaded, by name (case-insensitive, as Azure treats function names).</summary>
public sealed class FunctionIndex : IReadOnlyCollection<FunctionDescriptor>
{
    private readonly Dictionary<string, FunctionDescriptor> _byName;

    public FunctionIndex(IEnumerable<FunctionDescriptor> functions)
    {
        _byName = new Dictionary<string, FunctionDescriptor>(StringComparer.OrdinalIgnoreCase);
        foreach (var function in functions)
        {
            if (!_byName.TryAdd(function.Name, function))
            {
                throw new InvalidDataException($"Two functions are named '{function.Name}'; function names must be unique.");
            }
        }
    }

    public static FunctionIndex Empty { get; } = new([]);

    public int Count => _byName.Count;

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FunctionDescriptor? function) =>
        _byName.TryGetValue(name, out function);

    public IEnumerable<FunctionDescriptor> OfKind(TriggerKind kind) => _byName.Values.Where(f => f.Kind == kind).OrderBy(f => f.Name, StringComparer.Ordinal);

    public IEnumerator<FunctionDescriptor> GetEnumerator() => _byName.Values.OrderBy(f => f.Name, StringComparer.Ordinal).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
