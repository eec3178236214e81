using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Serving;

public sealed class ServerMetadata
{
    [Function(nameof(ServerMetadata))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2")] HttpRequest request)
        => ServingHttp.RespondAsync(request, () => Task.FromResult(InferenceService.GetServerMetadata()));
}
