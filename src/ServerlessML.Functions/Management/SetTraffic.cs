using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Registry;

namespace ServerlessML.Functions.Management;

public sealed class SetTraffic(TrafficSwitch traffic)
{
    [Function(nameof(SetTraffic))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "management/models/{model}/traffic")] HttpRequest request, string model)
        => ServingHttp.RespondJsonAsync(request, async () =>
        {
            var change = await TrafficRequest.ReadAsync(request.Body, request.HttpContext.RequestAborted);
            return await traffic.SetTrafficAsync(model, change, request.HttpContext.RequestAborted);
        });
}
