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
            model, null, request.Body, request.ContentLength, ServingHttp.RequestId(request), request.HttpContext.RequestAborted));

    [Function(nameof(ModelInfer) + "Version")]
    public Task<IActionResult> RunVersion(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v2/models/{model}/versions/{version}/infer")] HttpRequest request, string model, string version)
        => ServingHttp.RespondAsync(request, () => service.InferAsync(
            model, version, request.Body, request.ContentLength, ServingHttp.RequestId(request), request.HttpContext.RequestAborted));
}
