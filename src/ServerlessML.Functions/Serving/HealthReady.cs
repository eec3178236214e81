using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Inference;

namespace ServerlessML.Functions.Serving;

public sealed class HealthReady(InferenceService service)
{
    [Function(nameof(HealthReady))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v2/health/ready")] HttpRequest request)
        => ServingHttp.RespondAsync(request, () => service.GetServerReadyAsync(request.HttpContext.RequestAborted));
}
