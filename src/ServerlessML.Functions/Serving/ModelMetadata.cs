using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Serving;

public sealed class ModelMetadata(InferenceService service)
{
    [Function(nameof(ModelMetadata))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/models/{model}")] HttpRequest request, string model)
        => ServingHttp.RespondAsync(request, () => service.GetModelMetadataAsync(model, null, request.HttpContext.RequestAborted));

    [Function(nameof(ModelMetadata) + "Version")]
    public Task<IActionResult> RunVersion(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/models/{model}/versions/{version}")] HttpRequest request, string model, string version)
        => ServingHttp.RespondAsync(request, () => service.GetModelMetadataAsync(model, version, request.HttpContext.RequestAborted));
}
