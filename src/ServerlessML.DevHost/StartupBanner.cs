using System.Text;
using Microsoft.AspNetCore.Http;
using ServerlessML.DevHost.Http;
using ServerlessML.DevHost.Worker;

namespace ServerlessML.DevHost;

/// <summary>What DevHost prints once it serves: functions with their URLs, the keys, and a request to try.</summary>
public static class StartupBanner
{
    /// <summary>The text of the banner.</summary>
    /// <param name="sampleRequest">Path of the sample V2 inference request (relative to the working folder where possible), when the sample model is deployed.</param>
    public static string Render(LocalFunctionsHost host, string? sampleModel, string? sampleRequest)
    {
        ArgumentNullException.ThrowIfNull(host);
        var worker = host.Worker;
        var text = new StringBuilder();
        string baseUrl = host.BaseAddress.ToString().TrimEnd('/');
        text.AppendLine();
        text.AppendLine($"ServerlessML DevHost is serving {host.App.WorkerPath} at {baseUrl}/");
        if (worker is not null)
        {
            text.AppendLine($"Worker pid {worker.ProcessId}: {worker.Functions.Count} functions loaded in {worker.StartupDuration.TotalMilliseconds:F0} ms{(worker.HttpUri is null ? " (HTTP over gRPC)" : " (ASP.NET Core integration)")}.");
        }

        text.AppendLine();
        text.AppendLine("Functions:");
        foreach (var route in host.Routes.Routes)
        {
            string methods = route.Methods is null ? "ANY" : string.Join(",", route.Methods.Order(StringComparer.Ordinal));
            string auth = route.AuthLevel switch
            {
                AuthorizationLevel.Anonymous => "anonymous",
                >= AuthorizationLevel.System => "master key",
                _ => "function key",
            };
            text.AppendLine($"  {route.Function.Name,-24} {methods,-10} {baseUrl}/{route.Template}  ({auth})");
        }

        foreach (var binding in host.BlobDispatcher.Bindings.OrderBy(b => b.Function.Name, StringComparer.Ordinal))
        {
            text.AppendLine($"  {binding.Function.Name,-24} {"blob",-10} {binding.Path.Path}  (connection {binding.ConnectionName}; webhook {baseUrl}/{Blobs.BlobWebhookEndpoint.Path}?functionName=Host.Functions.{binding.Function.Name})");
        }

        foreach (var timer in host.Timers)
        {
            text.AppendLine($"  {timer.Function.Name,-24} {"timer",-10} '{timer.Schedule}' UTC  (run now: POST {baseUrl}/admin/functions/{timer.Function.Name})");
        }

        text.AppendLine();
        text.AppendLine($"Keys ({HostKeys.KeyHeader} header or ?{HostKeys.KeyQueryParameter}=):");
        text.AppendLine($"  function key: {host.Keys.FunctionKey}");
        text.AppendLine($"  master key:   {host.Keys.MasterKey}   (admin routes, admin/functions/{{name}}, runtime/webhooks/blobs)");
        text.AppendLine();
        text.AppendLine("Try:");
        text.AppendLine("  " + ExampleCurl(host, sampleModel, sampleRequest));
        text.AppendLine();
        text.AppendLine("Press Ctrl+C to stop.");
        return text.ToString();
    }

    /// <summary>
    /// A curl command that works as printed: the sample inference request when the app has the inference
    /// route and the sample is deployed, else a GET of the first route without parameters.
    /// </summary>
    public static string ExampleCurl(LocalFunctionsHost host, string? sampleModel, string? sampleRequest)
    {
        ArgumentNullException.ThrowIfNull(host);
        string baseUrl = host.BaseAddress.ToString().TrimEnd('/');
        string prefix = host.Routes.RoutePrefix.Length == 0 ? "" : host.Routes.RoutePrefix + "/";
        if (sampleModel is not null && sampleRequest is not null)
        {
            string inferPath = $"/{prefix}v2/models/{sampleModel}/infer";
            if (host.Routes.Match("POST", new PathString(inferPath), out _) is { } infer)
            {
                return $"curl -s -X POST \"{baseUrl}{inferPath}\"{KeyHeader(host, infer.Route)} -H \"Content-Type: application/json\" --data @{sampleRequest}";
            }
        }

        var simple = host.Routes.Routes.FirstOrDefault(r => (r.Methods is null || r.Methods.Contains("GET")) && !r.Template.Contains('{', StringComparison.Ordinal));
        return simple is null
            ? $"curl -s \"{baseUrl}/admin/host/status\" -H \"{HostKeys.KeyHeader}: {host.Keys.MasterKey}\""
            : $"curl -s \"{baseUrl}/{simple.Template}\"{KeyHeader(host, simple)}";
    }

    private static string KeyHeader(LocalFunctionsHost host, HttpRoute route) => route.AuthLevel switch
    {
        AuthorizationLevel.Anonymous => "",
        >= AuthorizationLevel.System => $" -H \"{HostKeys.KeyHeader}: {host.Keys.MasterKey}\"",
        _ => $" -H \"{HostKeys.KeyHeader}: {host.Keys.FunctionKey}\"",
    };
}
