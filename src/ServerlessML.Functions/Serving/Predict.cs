using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Serving;

public sealed class Predict(InferenceService service)
{
    [Function(nameof(Predict))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/models/{model}:predict")] HttpRequest request, string model)
        => ServingHttp.RespondAsync(request, () => service.PredictAsync(
            ServingHttp.ToServingRequest(request, model), request.HttpContext.RequestAborted));
}
