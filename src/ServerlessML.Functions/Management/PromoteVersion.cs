using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Registry;

namespace ServerlessML.Functions.Management;

public sealed class PromoteVersion(TrafficSwitch traffic)
{
    [Function(nameof(PromoteVersion))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "management/models/{model}/promote")] HttpRequest request, string model)
        => ServingHttp.RespondJsonAsync(request, async () =>
        {
            string? version = await TrafficRequest.ReadVersionAsync(request.Body, request.HttpContext.RequestAborted);
            return await traffic.PromoteAsync(model, version, request.HttpContext.RequestAborted);
        });
}
