using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessML.DevHost.TestWorker;

/// <summary>Blob and timer functions; each writes a marker blob saying what it got.</summary>
public sealed class TriggerFunctions
{
    /// <summary>BlobClient (SDK-type binding through ModelBindingData).</summary>
    [Function("OnIncomingBlob")]
    public async Task OnIncomingBlob([BlobTrigger("%ContainerPrefix%-incoming/{name}")] BlobClient blob, string name)
    {
        var content = await blob.DownloadContentAsync();
        await Markers.WriteAsync($"incoming/{name}", JsonSerializer.Serialize(new { name, content = content.Value.Content.ToString() }));
    }

    [Function("OnBytesBlob")]
    public Task OnBytesBlob([BlobTrigger("%ContainerPrefix%-bytes/{name}")] byte[] content, string name) =>
        Markers.WriteAsync($"bytes/{name}", JsonSerializer.Serialize(new { name, length = content.Length }));

    /// <summary>Stream, and two path tokens, as the models/{model}/{name} deployment trigger has.</summary>
    [Function("OnStreamBlob")]
    public async Task OnStreamBlob([BlobTrigger("%ContainerPrefix%-streams/{folder}/{name}")] Stream content, string folder, string name)
    {
        string text = await new StreamReader(content).ReadToEndAsync();
        await Markers.WriteAsync($"streams/{folder}/{name}", JsonSerializer.Serialize(new { folder, name, content = text }));
    }

    /// <summary>Always fails; every attempt leaves a marker, so tests can count attempts.</summary>
    [Function("OnPoisonBlob")]
    public async Task OnPoisonBlob([BlobTrigger("%ContainerPrefix%-poison/{name}")] BlobClient blob, string name)
    {
        await Markers.WriteAsync($"poison/{name}/{Guid.NewGuid():N}", "attempt");
        throw new InvalidOperationException($"{name} cannot be processed.");
    }

    /// <summary>Event Grid source, as the real app's deployment trigger is declared for Azure.</summary>
    [Function("OnHookedBlob")]
    public async Task OnHookedBlob([BlobTrigger("%ContainerPrefix%-hooked/{name}", Source = BlobTriggerSource.EventGrid)] BlobClient blob, string name)
    {
        var properties = await blob.GetPropertiesAsync();
        await Markers.WriteAsync($"hooked/{name}/{Guid.NewGuid():N}", JsonSerializer.Serialize(new { name, length = properties.Value.ContentLength }));
    }

    [Function("OnSchedule")]
    public Task OnSchedule([TimerTrigger("%TestSchedule%")] TimerInfo timer) =>
        Markers.WriteAsync($"timer/scheduled/{Guid.NewGuid():N}", JsonSerializer.Serialize(new { timer.IsPastDue, next = timer.ScheduleStatus?.Next }));

    /// <summary>A schedule that never comes during a test: it runs only when asked to.</summary>
    [Function("OnDemand")]
    public Task OnDemand([TimerTrigger("%RareSchedule%")] TimerInfo timer) =>
        Markers.WriteAsync($"timer/ondemand/{Guid.NewGuid():N}", JsonSerializer.Serialize(new { timer.IsPastDue }));
}
