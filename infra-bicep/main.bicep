// ServerlessML in one resource group: a Flex Consumption Functions app (.NET 10 isolated),
// its storage account with the containers of the design, Log Analytics and Application
// Insights, a user-assigned identity with the least roles it needs, the Event Grid system
// topic for model uploads, and alerts on threshold breaches, failed deployments and canaries
// the canary judge rolled back.
// After publishing the code, deploy eventgrid-subscription.bicep (see README.md).

targetScope = 'resourceGroup'

@description('Short name the resource names start with (lowercase letters, digits and hyphens).')
@minLength(3)
@maxLength(20)
param baseName string = 'serverlessml'

@description('Azure region; it must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Memory of each app instance in MB. ONNX sessions live in memory, so 2048 is the floor for most models.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on app instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Always-ready instances for HTTP functions (billed while idle); 0 scales to zero.')
@minValue(0)
param alwaysReadyHttpInstances int = 0

@description('NCrontab schedule (UTC, with seconds) of the monitoring timer.')
param monitoringSchedule string = '0 0 * * * *'

@description('Window each monitoring report covers, as a TimeSpan.')
param monitoringWindow string = '24:00:00'

@description('Key of the HMAC that stores the manifest\'s logging.hash fields (app setting PredictionLog__HashSalt): the salt, or a Key Vault reference @Microsoft.KeyVault(SecretUri=https://<vault>.vault.<suffix>/secrets/<name>) that the app identity may read (Key Vault Secrets User). Keep it stable: a new salt stops hashed values matching older ones. Empty: no setting, and hashed fields are plain SHA-256.')
@secure()
param predictionLogHashSalt string = ''

@description('Action group resource ID that alerts notify; empty creates the alerts without notifications.')
param alertActionGroupId string = ''

@description('How often the alert rules run (ISO 8601 duration).')
@allowed([
  'PT5M'
  'PT15M'
  'PT30M'
  'PT1H'
])
param alertEvaluationFrequency string = 'PT15M'

@description('Redundancy of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@description('Days deleted blobs and containers stay restorable.')
@minValue(1)
@maxValue(365)
param blobDeleteRetentionDays int = 7

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Tags put on every resource.')
param tags object = {}

// Globally unique names (app host name, storage account) get a suffix stable per resource group.
var suffix = uniqueString(resourceGroup().id, baseName)
var appName = '${baseName}-${suffix}'
// Storage names allow 3-24 lowercase letters and digits only.
var storageAccountName = take('st${replace(toLower(baseName), '-', '')}${suffix}', 24)
var allTags = union({ application: 'serverlessml' }, tags)

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    workspaceName: 'log-${appName}'
    applicationInsightsName: 'appi-${appName}'
    retentionInDays: logRetentionDays
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    accountName: storageAccountName
    systemTopicName: 'evgt-${appName}'
    skuName: storageSku
    deleteRetentionDays: blobDeleteRetentionDays
    tags: allTags
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    location: location
    identityName: 'id-${appName}'
    storageAccountName: storage.outputs.accountName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    tags: allTags
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    location: location
    planName: 'plan-${appName}'
    appName: appName
    identityId: identity.outputs.identityId
    identityClientId: identity.outputs.clientId
    blobServiceUri: storage.outputs.blobServiceUri
    queueServiceUri: storage.outputs.queueServiceUri
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    monitoringSchedule: monitoringSchedule
    monitoringWindow: monitoringWindow
    // Null rather than empty: `bicep snapshot` (the infra tests) cannot evaluate a secure module parameter
    // that has a value, and would then see none of the app settings.
    predictionLogHashSalt: empty(predictionLogHashSalt) ? null : predictionLogHashSalt
    tags: allTags
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    namePrefix: 'alert-${appName}'
    actionGroupId: alertActionGroupId
    evaluationFrequency: alertEvaluationFrequency
    tags: allTags
  }
}

@description('Base URL of the app; inference routes start here (e.g. <url>/v2/health/ready).')
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'

@description('Function app name, for `func azure functionapp publish` and az commands.')
output functionAppName string = functionApp.outputs.appName

@description('Storage account that holds models, registry, predictions, feedback and reports.')
output storageAccountName string = storage.outputs.accountName

@description('Containers of the app data (upload models to `models`).')
output containerNames string[] = storage.outputs.dataContainerNames

@description('Container Flex Consumption deploys the published package to.')
output deploymentContainerName string = storage.outputs.deploymentContainerName

@description('Event Grid system topic on the storage account; eventgrid-subscription.bicep subscribes to it.')
output eventGridSystemTopicName string = storage.outputs.systemTopicName

@description('Application Insights component with the app telemetry and custom events.')
output applicationInsightsName string = monitoring.outputs.applicationInsightsName

@description('Alert rules on ThresholdBreached and ModelDeploymentFailed events, and on CanaryJudged events that rolled a canary back.')
output alertRuleNames string[] = alerts.outputs.alertRuleNames

@description('Command that prints the default function key (the key is not an output: it is a secret).')
output functionKeyCommand string = 'az functionapp keys list --resource-group ${resourceGroup().name} --name ${functionApp.outputs.appName} --query functionKeys.default --output tsv'

@description('Command that publishes the app code (run from src/ServerlessML.Functions).')
output publishCommand string = 'func azure functionapp publish ${functionApp.outputs.appName} --dotnet-isolated'

@description('Command for step 2: the Event Grid subscription to the blob trigger, once the code is published.')
output eventSubscriptionCommand string = 'az deployment group create --resource-group ${resourceGroup().name} --template-file infra-bicep/eventgrid-subscription.bicep --parameters functionAppName=${functionApp.outputs.appName} systemTopicName=${storage.outputs.systemTopicName}'
