using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Registry;

namespace ServerlessML.Functions.Management;

public sealed class GetModel(ModelCatalog catalog)
{
    [Function(nameof(GetModel))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "management/models/{model}")] HttpRequest request, string model)
        => ServingHttp.RespondJsonAsync(request, () => catalog.GetAsync(model, request.HttpContext.RequestAborted));
}
