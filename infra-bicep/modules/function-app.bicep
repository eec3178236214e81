// Flex Consumption plan and the Functions app (.NET 10 isolated worker). All access to
// storage and Application Insights goes through the user-assigned identity: the app holds
// no key and no connection string with a secret in it.

@description('Azure region (one that offers Flex Consumption).')
param location string

@description('Flex Consumption plan name.')
param planName string

@description('Function app name; also the first label of its host name.')
param appName string

@description('Resource ID of the user-assigned managed identity.')
param identityId string

@description('Client ID of the same identity; names it in identity-based settings.')
param identityClientId string

@description('Blob endpoint of the storage account, e.g. https://<account>.blob.<suffix>/.')
param blobServiceUri string

@description('Queue endpoint of the storage account.')
param queueServiceUri string

@description('Blob container URL that Flex Consumption deploys the app package to.')
param deploymentContainerUrl string

@description('Application Insights connection string (an endpoint, no credential once local auth is off).')
param applicationInsightsConnectionString string

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Instances kept warm for HTTP functions; 0 lets the app scale to zero.')
@minValue(0)
param alwaysReadyHttpInstances int

@description('NCrontab schedule (UTC) of the monitoring timer.')
param monitoringSchedule string

@description('Window a monitoring report covers, as a TimeSpan (d.hh:mm:ss).')
param monitoringWindow string

@description('Key of the prediction log\'s hashed fields (app setting PredictionLog__HashSalt): the salt itself, or a Key Vault reference such as @Microsoft.KeyVault(SecretUri=https://<vault>.vault.<suffix>/secrets/<name>) that App Service resolves with the app\'s identity. Null or empty leaves the setting out.')
@secure()
param predictionLogHashSalt string?

param tags object

// Settings of an identity-based connection named `prefix`, in the form the Functions
// storage extensions and Azure SDK client factories read.
func identityConnection(prefix string, clientId string, blobUri string, queueUri string) object => {
  '${prefix}__credential': 'managedidentity'
  '${prefix}__clientId': clientId
  '${prefix}__blobServiceUri': blobUri
  '${prefix}__queueServiceUri': queueUri
}

var appSettings = union(
  identityConnection('AzureWebJobsStorage', identityClientId, blobServiceUri, queueServiceUri),
  identityConnection('ModelStorage', identityClientId, blobServiceUri, queueServiceUri),
  {
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    MonitoringSchedule: monitoringSchedule
    MonitoringWindow: monitoringWindow
  },
  // Only when given; without it the app hashes with plain SHA-256 and logs a warning.
  empty(predictionLogHashSalt) ? {} : { PredictionLog__HashSalt: predictionLogHashSalt }
)

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Flex Consumption runs on Linux only.
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings resolve with this identity; the app has no system-assigned one.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [for setting in items(appSettings): { name: setting.key, value: setting.value }]
    }
    // On Flex Consumption the runtime, scale and package location live here, not in app settings.
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReadyHttpInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyHttpInstances
              }
            ]
          : []
      }
    }
  }
}

output appName string = app.name
output defaultHostName string = app.properties.defaultHostName
