// Step 2, after the code is published: subscribe the blob extension's webhook to
// BlobCreated events under models/. The webhook key (blobs_extension) only exists once the
// Functions host has started with the blob trigger, so this cannot be part of main.bicep.
// The key is read inside the deployment with listKeys and never leaves Azure Resource Manager.

@description('Function app name (output functionAppName of main.bicep).')
param functionAppName string

@description('Event Grid system topic on the storage account (output eventGridSystemTopicName of main.bicep).')
param systemTopicName string

@description('Name of the blob-triggered deployment function.')
param deployFunctionName string = 'DeployModel'

@description('Event subscription name.')
param subscriptionName string = 'models-blob-created'

resource app 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

// The host's keys have no Bicep type (Microsoft.Web/sites/host), so the list action is called by resource ID.
var blobsExtensionKey = listKeys('${app.id}/host/default', app.apiVersion).systemKeys.blobs_extension

resource modelsBlobCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${app.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${deployFunctionName}&code=${blobsExtensionKey}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/models/'
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output eventSubscriptionName string = modelsBlobCreated.name
