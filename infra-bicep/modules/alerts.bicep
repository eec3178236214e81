// Log search alerts on the custom events the app writes to Application Insights
// (design section 8): a monitoring threshold was crossed, a model deployment failed, or the
// canary judge rolled a canary back.

@description('Azure region for the alert rules.')
param location string

@description('Application Insights component whose customEvents table the rules query.')
param applicationInsightsName string

@description('Prefix of the alert rule names.')
param namePrefix string

@description('Action group resource ID to notify; empty: the alerts fire and show in the portal, nobody is notified.')
param actionGroupId string

@description('How often each rule runs, as an ISO 8601 duration; a shorter period costs more per rule.')
param evaluationFrequency string

param tags object

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// One rule per custom event; `where` narrows it to events with given properties (customDimensions).
type alertRule = {
  suffix: string
  displayName: string
  description: string
  eventName: string
  @description('KQL condition on the event\'s row; null: every event of that name fires the rule.')
  where: string?
  severity: int
}

var rules alertRule[] = [
  {
    suffix: 'threshold-breached'
    displayName: 'ServerlessML: monitoring threshold breached'
    description: 'The monitoring job reported a drift, data-quality, performance or fairness figure past its threshold (customEvents name ThresholdBreached).'
    eventName: 'ThresholdBreached'
    severity: 2
  }
  {
    suffix: 'deployment-failed'
    displayName: 'ServerlessML: model deployment failed'
    description: 'An uploaded model version failed validation or deployment and was not served (customEvents name ModelDeploymentFailed).'
    eventName: 'ModelDeploymentFailed'
    severity: 1
  }
  {
    suffix: 'canary-rolled-back'
    displayName: 'ServerlessML: canary rolled back'
    description: 'The canary judge rolled back a canary: the new model version did worse than production on error rate, p95 latency or prediction drift (past its rollout.promoteAfter limit), so it takes no more traffic and production keeps serving. Nothing to roll back by hand; find out why the new version did worse before deploying it again. In customEvents (name CanaryJudged, Verdict "roll back"): Model and Version name the canary, Production the version kept, Description the figure that failed; every figure is in the canary section of reports/{model}/latest.json.'
    eventName: 'CanaryJudged'
    where: 'tostring(customDimensions.Verdict) == "roll back"'
    severity: 2
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: '${namePrefix}-${rule.suffix}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        applicationInsights.id
      ]
      evaluationFrequency: evaluationFrequency
      windowSize: evaluationFrequency
      criteria: {
        allOf: [
          {
            query: 'customEvents | where name == "${rule.eventName}"${rule.?where == null ? '' : ' | where ${rule.?where}'}'
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: empty(actionGroupId) ? [] : [actionGroupId]
      }
    }
  }
]

output alertRuleNames string[] = [for (rule, i) in rules: alertRules[i].name]
