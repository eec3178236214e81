using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Serving;

public sealed class ModelReady(InferenceService service)
{
    [Function(nameof(ModelReady))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/models/{model}/ready")] HttpRequest request, string model)
        => ServingHttp.RespondAsync(request, () => service.GetModelReadyAsync(model, null, request.HttpContext.RequestAborted));

    [Function(nameof(ModelReady) + "Version")]
    public Task<IActionResult> RunVersion(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/models/{model}/versions/{version}/ready")] HttpRequest request, string model, string version)
        => ServingHttp.RespondAsync(request, () => service.GetModelReadyAsync(model, version, request.HttpContext.RequestAborted));
}
