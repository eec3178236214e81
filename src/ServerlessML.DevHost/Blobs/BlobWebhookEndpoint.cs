using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using ServerlessML.DevHost.Http;

namespace ServerlessML.DevHost.Blobs;

/// <summary>
/// <c>runtime/webhooks/blobs?functionName=Host.Functions.{name}</c>, the endpoint an Event Grid
/// subscription calls for a blob trigger with the EventGrid source: the subscription validation handshake
/// (<c>aeg-event-type: SubscriptionValidation</c>, or the CloudEvents OPTIONS handshake) and BlobCreated
/// notifications, which go to the dispatcher. System-level: it takes the master key.
/// </summary>
public sealed class BlobWebhookEndpoint(BlobTriggerDispatcher dispatcher, ILogger logger)
{
    public const string Path = "runtime/webhooks/blobs";

    private const string FunctionNamePrefix = "Host.Functions.";

    public async Task HandleAsync(HttpContext context, AuthorizationLevel granted)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!HostKeys.Allows(AuthorizationLevel.System, granted))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        string? functionName = context.Request.Query["functionName"].FirstOrDefault();
        if (string.IsNullOrEmpty(functionName))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "The functionName query parameter is required, e.g. ?functionName=Host.Functions.MyBlobFunction.").ConfigureAwait(false);
            return;
        }

        if (functionName.StartsWith(FunctionNamePrefix, StringComparison.OrdinalIgnoreCase))
        {
            functionName = functionName[FunctionNamePrefix.Length..];
        }

        if (!dispatcher.TryGetBinding(functionName, out var binding))
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, $"No blob-triggered function named '{functionName}' is loaded.").ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsOptions(context.Request.Method))
        {
            // CloudEvents webhook validation: allow the origin that asks.
            context.Response.Headers["WebHook-Allowed-Origin"] = context.Request.Headers["WebHook-Request-Origin"].FirstOrDefault() ?? "*";
            context.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        using var reader = new StreamReader(context.Request.Body);
        string body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        string eventType = context.Request.Headers["aeg-event-type"].FirstOrDefault() ?? "";
        try
        {
            if (eventType.Equals("SubscriptionValidation", StringComparison.OrdinalIgnoreCase))
            {
                string code = BlobEvents.ParseValidationCode(body);
                logger.LogInformation("{Function}: Event Grid subscription validated.", functionName);
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(JsonConvert.SerializeObject(new { validationResponse = code }), context.RequestAborted).ConfigureAwait(false);
            }
            else if (eventType.Equals("Notification", StringComparison.OrdinalIgnoreCase) || (eventType.Length == 0 && body.TrimStart().StartsWith('{')))
            {
                var events = BlobEvents.ParseNotification(body, out int ignored);
                foreach (var created in events)
                {
                    if (!created.Container.Equals(binding.Container.Name, StringComparison.Ordinal))
                    {
                        logger.LogWarning("{Function}: event for {Container}/{Blob} ignored; the function watches '{Watched}'.", functionName, created.Container, created.BlobName, binding.Container.Name);
                        continue;
                    }

                    _ = dispatcher.EnqueueAsync(new BlobTriggerWork(binding.Function.Name, created.Container, created.BlobName, created.ETag, BlobEventSource.Webhook));
                }

                logger.LogInformation("{Function}: {Count} BlobCreated event(s) accepted{Ignored}.", functionName, events.Count, ignored > 0 ? $", {ignored} of other types ignored" : "");
                context.Response.StatusCode = StatusCodes.Status202Accepted;
            }
            else if (eventType.Equals("Unsubscribe", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = StatusCodes.Status202Accepted;
            }
            else
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, "The aeg-event-type header must be SubscriptionValidation, Notification or Unsubscribe.").ConfigureAwait(false);
            }
        }
        catch (InvalidDataException e)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false);
        }
    }

    private static async Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(message, context.RequestAborted).ConfigureAwait(false);
    }
}
