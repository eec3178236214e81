using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Serving;

public sealed class ModelInfer(InferenceService service)
{
    [Function(nameof(ModelInfer))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v2/models/{model}/infer")] HttpRequest request, string model)
        => ServingHttp.RespondAsync(request, () => service.InferAsync(
            ServingHttp.ToServingRequest(request, model), request.HttpContext.RequestAborted));

    [Function(nameof(ModelInfer) + "Version")]
    public Task<IActionResult> RunVersion(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v2/models/{model}/versions/{version}/infer")] HttpRequest request, string model, string version)
        => ServingHttp.RespondAsync(request, () => service.InferAsync(
            ServingHttp.ToServingRequest(request, model, version), request.HttpContext.RequestAborted));
}
