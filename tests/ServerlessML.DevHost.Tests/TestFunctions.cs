using Newtonsoft.Json.Linq;
using ServerlessML.DevHost.Rpc;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost.Tests;

/// <summary>Function descriptors as a worker would index them, for tests that need no worker.</summary>
internal static class TestFunctions
{
    public static FunctionDescriptor Http(string name, string? route, string authLevel = "Function", params string[] methods)
    {
        var trigger = new JObject { ["name"] = "request", ["direction"] = "In", ["type"] = "httpTrigger", ["authLevel"] = authLevel, ["properties"] = new JObject() };
        if (route is not null)
        {
            trigger["route"] = route;
        }

        if (methods.Length > 0)
        {
            trigger["methods"] = new JArray(methods);
        }

        return Create(name, trigger, new JObject { ["name"] = "$return", ["type"] = "http", ["direction"] = "Out" });
    }

    public static FunctionDescriptor Blob(string name, string path, string? connection = null)
    {
        var trigger = new JObject { ["name"] = "blob", ["direction"] = "In", ["type"] = "blobTrigger", ["path"] = path, ["properties"] = new JObject { ["supportsDeferredBinding"] = "True" } };
        if (connection is not null)
        {
            trigger["connection"] = connection;
        }

        return Create(name, trigger);
    }

    public static FunctionDescriptor Timer(string name, string schedule) =>
        Create(name, new JObject { ["name"] = "timer", ["direction"] = "In", ["type"] = "timerTrigger", ["schedule"] = schedule, ["properties"] = new JObject() });

    private static FunctionDescriptor Create(string name, params JObject[] bindings)
    {
        var metadata = new RpcFunctionMetadata { Name = name, FunctionId = Guid.NewGuid().ToString() };
        metadata.RawBindings.AddRange(bindings.Select(b => b.ToString(Newtonsoft.Json.Formatting.None)));
        return FunctionDescriptor.FromMetadata(metadata, metadata.FunctionId);
    }
}
