using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Registry;

namespace ServerlessML.Functions.Management;

public sealed class RollBack(TrafficSwitch traffic)
{
    [Function(nameof(RollBack))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "management/models/{model}/rollback")] HttpRequest request, string model)
        => ServingHttp.RespondJsonAsync(request, () => traffic.RollBackAsync(model, request.HttpContext.RequestAborted));
}
