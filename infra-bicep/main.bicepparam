// Parameters of main.bicep. Deploy with:
//   az deployment group create --resource-group <rg> --parameters infra-bicep/main.bicepparam
using 'main.bicep'

param baseName = 'serverlessml'

// Scale: 2 GB instances, up to 100 of them, none kept warm (scale to zero when idle).
param instanceMemoryMB = 2048
param maximumInstanceCount = 100
param alwaysReadyHttpInstances = 0

// Monitoring job: hourly, over the last 24 hours (design section 7).
param monitoringSchedule = '0 0 * * * *'
param monitoringWindow = '24:00:00'

// Set to an action group's resource ID to be notified of threshold breaches, failed deployments and
// canary rollbacks.
param alertActionGroupId = ''

// Key of the prediction log's hashed fields (PredictionLog__HashSalt). Rather than writing the salt here,
// append `--parameters predictionLogHashSalt='@Microsoft.KeyVault(SecretUri=<secret URI>)'` to the deployment
// (README.md, Parameters); left empty, hashed fields are plain SHA-256.
