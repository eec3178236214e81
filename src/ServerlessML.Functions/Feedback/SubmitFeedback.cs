using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessML.Functions.Http;
using ServerlessML.Logging;

namespace ServerlessML.Functions.Feedback;

/// <summary>POST v1/models/{model}/feedback: ground-truth labels for logged predictions, joined later by request id.</summary>
public sealed class SubmitFeedback(FeedbackService feedback)
{
    [Function(nameof(SubmitFeedback))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/models/{model}/feedback")] HttpRequest request, string model)
        => ServingHttp.RespondAsync(request, () => feedback.SubmitAsync(
            model, request.Body, request.ContentLength, request.HttpContext.RequestAborted));
}
