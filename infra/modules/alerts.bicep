// What watches byoc-sync: one action group (email and webhook receivers), metric alerts on the
// command queue, a Standard availability test of GET /api/healthz with its alert, and log
// search alerts on the app's own telemetry. docs/alerts.md says, for every rule, what fires
// it, what it means and what to do; each rule's actions carry that section as `runbook`.
//
// The telemetry contract. The app emits these OpenTelemetry instruments; the
// azure-monitor-opentelemetry exporter writes each one to Application Insights
// `customMetrics` every export interval (name = instrument name, value = the increase over
// the interval for a counter, the sum for a histogram with valueCount/valueMin/valueMax,
// attributes in `customDimensions`):
//
//   byoc.commands                counter   command_type, outcome
//   byoc.vendor.calls            counter   vendor, outcome
//   byoc.vendor.throttled        counter   vendor
//   byoc.vendor.retries          counter   vendor
//   byoc.failovers               counter   trunk_group, direction, reason
//   byoc.drift.found             counter   kind
//   byoc.drift.repaired          counter   kind
//   byoc.feed.polls              counter   feed, outcome
//   byoc.feed.lag                histogram feed (seconds)
//   byoc.timer.runs              counter   timer, outcome
//   byoc.journal.write_failures  counter   (none)
//
// infra/telemetry-contract.json holds the same list with the attribute values the queries
// compare against; tests/infra/test_alerts.py checks that this block, that file, every query
// below and every query of the workbook agree.

@description('Azure region of the regional resources (log search rules, availability test).')
param location string

@description('Tags for every resource.')
param tags object

@description('Resource id of the Application Insights component the app reports to.')
param applicationInsightsId string

@description('Resource id of the Service Bus namespace holding the command queue.')
param serviceBusNamespaceId string

@description('Name of the command queue.')
param commandQueueName string

@description('Host name of the Function App (GET https://<host>/api/healthz is tested).')
param functionAppHostName string

@description('Email addresses the action group notifies, comma-separated; empty for none.')
param alertEmails string = ''

@secure()
@description('HTTPS webhook URLs the action group calls with the common alert schema, comma-separated; empty for none. Secure: such URLs often carry a token.')
param alertWebhookUrls string = ''

@description('Evaluate the alert rules; false deploys them disabled (the availability test keeps running).')
param alertsEnabled bool = true

@description('Failures in a row, with no success in between, before the reconcile, a feed or a timer alerts.')
@minValue(1)
param repeatedFailures int = 3

@description('Messages waiting in the command queue (average over 15 minutes) above which it counts as backed up.')
@minValue(1)
param queueBacklogThreshold int = 100

@description('HTTP 429 answers from one vendor per 5 minutes above which throttling counts, for 3 windows in a row.')
@minValue(0)
param vendorThrottleThreshold int = 5

@description('HTTP 5xx answers of the Function App per 5 minutes above which it alerts (0: any).')
@minValue(0)
param serverErrorThreshold int = 0

@description('Availability test locations (Application Insights location ids); five is the recommended minimum.')
@minLength(5)
param availabilityLocations array = [
  'us-va-ash-azr' // East US
  'us-ca-sjc-azr' // West US
  'emea-nl-ams-azr' // West Europe
  'emea-gb-db3-azr' // North Europe
  'apac-sg-sin-azr' // Southeast Asia
]

@description('Locations that must fail at once before the availability alert fires.')
@minValue(1)
param availabilityFailedLocations int = 2

// Comma-separated lists; spaces are dropped (neither an address nor a URL holds one).
var emails = empty(alertEmails) ? [] : split(replace(alertEmails, ' ', ''), ',')
var webhooks = empty(alertWebhookUrls) ? [] : split(replace(alertWebhookUrls, ' ', ''), ',')
var runbooks = 'docs/alerts.md#'

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-byoc-sync'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'byoc-sync'
    enabled: true
    emailReceivers: [
      for i in range(0, length(emails)): {
        name: 'email-${i + 1}'
        emailAddress: emails[i]
        useCommonAlertSchema: true
      }
    ]
    webhookReceivers: [
      for i in range(0, length(webhooks)): {
        name: 'webhook-${i + 1}'
        serviceUri: webhooks[i]
        useCommonAlertSchema: true
      }
    ]
  }
}

// --- Service Bus platform metrics (Azure Monitor Baseline Alerts for Service Bus, applied to
// the one queue byoc-sync owns where the metric has the EntityName dimension).
var queueOnly = [
  {
    name: 'EntityName'
    operator: 'Include'
    values: [
      commandQueueName
    ]
  }
]

var serviceBusRules = [
  {
    name: 'byoc-dead-lettered-commands'
    severity: 1
    metric: 'DeadletteredMessages'
    aggregation: 'Average'
    threshold: 0
    windowSize: 'PT5M'
    evaluationFrequency: 'PT1M'
    dimensions: queueOnly
    runbook: 'dead-lettered-commands'
    description: 'A command in the command queue failed on every delivery (or expired) and was dead-lettered: a number purchase or release, a reconcile or a trunk-group evaluation did not happen. Fires while the dead-letter queue is not empty.'
  }
  {
    name: 'byoc-command-queue-backlog'
    severity: 2
    metric: 'ActiveMessages'
    aggregation: 'Average'
    threshold: queueBacklogThreshold
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
    dimensions: queueOnly
    runbook: 'command-queue-backing-up'
    description: 'Commands are queued faster than the worker finishes them: the 15-minute average of waiting commands is above the threshold. Purchases, reconciles and failovers wait behind the backlog.'
  }
  {
    name: 'byoc-service-bus-throttled'
    severity: 2
    metric: 'ThrottledRequests'
    aggregation: 'Total'
    threshold: 0
    windowSize: 'PT5M'
    evaluationFrequency: 'PT1M'
    dimensions: []
    runbook: 'service-bus-throttled-or-failing'
    description: 'Service Bus throttled requests of the namespace: sends and receives of commands are being delayed and retried.'
  }
  {
    name: 'byoc-service-bus-server-errors'
    severity: 2
    metric: 'ServerErrors'
    aggregation: 'Total'
    threshold: 0
    windowSize: 'PT5M'
    evaluationFrequency: 'PT1M'
    dimensions: []
    runbook: 'service-bus-throttled-or-failing'
    description: 'Service Bus answered requests of the namespace with server errors: sends and receives of commands are failing and being retried.'
  }
]

resource serviceBusAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [
  for rule in serviceBusRules: {
    name: rule.name
    location: 'global'
    tags: tags
    properties: {
      description: rule.description
      severity: rule.severity
      enabled: alertsEnabled
      scopes: [
        serviceBusNamespaceId
      ]
      targetResourceType: 'Microsoft.ServiceBus/namespaces'
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      autoMitigate: true
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
        allOf: [
          {
            name: rule.metric
            criterionType: 'StaticThresholdCriterion'
            metricNamespace: 'Microsoft.ServiceBus/namespaces'
            metricName: rule.metric
            dimensions: rule.dimensions
            operator: 'GreaterThan'
            threshold: rule.threshold
            timeAggregation: rule.aggregation
          }
        ]
      }
      actions: [
        {
          actionGroupId: actionGroup.id
          webHookProperties: {
            runbook: '${runbooks}${rule.runbook}'
          }
        }
      ]
    }
  }
]

// --- GET /api/healthz from several regions. Flex Consumption has no App Service health
// check; a Standard test (TLS and certificate lifetime checked too) takes its place.
resource healthzTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: 'byoc-healthz'
  location: location
  // The hidden link ties the test to the component: its results land there.
  tags: union(tags, {
    'hidden-link:${applicationInsightsId}': 'Resource'
  })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: 'byoc-healthz'
    Name: 'byoc-sync GET /api/healthz'
    Description: 'The app answers 200 only when its settings parse and the routing policy validates (503 names the problem).'
    Enabled: true
    Kind: 'standard'
    Frequency: 300
    Timeout: 30
    RetryEnabled: true
    Locations: [
      for id in availabilityLocations: {
        Id: id
      }
    ]
    Request: {
      RequestUrl: 'https://${functionAppHostName}/api/healthz'
      HttpVerb: 'GET'
      ParseDependentRequests: false
      FollowRedirects: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      IgnoreHttpStatusCode: false
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

resource healthzAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'byoc-healthz-unavailable'
  location: 'global'
  tags: tags
  properties: {
    description: 'GET /api/healthz failed from several test locations at once: the Function App is down, unreachable, answers 503 (a setting or the policy is broken) or its TLS certificate is about to expire. Webhooks from Twilio and Genesys are probably failing too.'
    severity: 1
    enabled: alertsEnabled
    scopes: [
      healthzTest.id
      applicationInsightsId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: healthzTest.id
      componentId: applicationInsightsId
      failedLocationCount: availabilityFailedLocations
    }
    actions: [
      {
        actionGroupId: actionGroup.id
        webHookProperties: {
          runbook: '${runbooks}health-endpoint-unavailable'
        }
      }
    ]
  }
}

// --- Log search alerts on the app's telemetry (Application Insights schema: customMetrics,
// requests). Each query returns a `timestamp` column: the rule bins the rows by windowSize and
// aggregates `measure` (Total) per combination of `dimensions`, or counts rows when `measure`
// is empty. "In a row" queries count the failures since the last success in the window.
var logRules = [
  {
    name: 'byoc-trunk-group-failover'
    displayName: 'byoc-sync: a trunk group failed over'
    severity: 1
    evaluationFrequency: 'PT5M'
    windowSize: 'PT10M'
    periods: 1
    measure: 'failovers'
    operator: 'GreaterThan'
    threshold: 0
    dimensions: [
      'trunk_group'
      'reason'
    ]
    runbook: 'trunk-group-failed-over'
    description: 'The health engine moved a trunk group to a backup member: calls now go over the backup trunk on both Genesys and Twilio. The alert names the group and the reason.'
    query: '''
customMetrics
| where name == "byoc.failovers"
| extend trunk_group = tostring(customDimensions.trunk_group), direction = tostring(customDimensions.direction), reason = tostring(customDimensions.reason)
| where direction == "failover"
| project timestamp, trunk_group, reason, failovers = value
'''
  }
  {
    name: 'byoc-trunk-group-failback'
    displayName: 'byoc-sync: a trunk group failed back'
    severity: 3
    evaluationFrequency: 'PT5M'
    windowSize: 'PT10M'
    periods: 1
    measure: 'failbacks'
    operator: 'GreaterThan'
    threshold: 0
    dimensions: [
      'trunk_group'
      'reason'
    ]
    runbook: 'trunk-group-failed-back'
    description: 'A trunk group returned to its preferred member (recovery on success, or an operator move): calls are back on the primary trunk. The alert names the group and the reason.'
    query: '''
customMetrics
| where name == "byoc.failovers"
| extend trunk_group = tostring(customDimensions.trunk_group), direction = tostring(customDimensions.direction), reason = tostring(customDimensions.reason)
| where direction == "failback"
| project timestamp, trunk_group, reason, failbacks = value
'''
  }
  {
    name: 'byoc-reconcile-failing'
    displayName: 'byoc-sync: the reconcile keeps failing'
    severity: 2
    evaluationFrequency: 'PT15M'
    windowSize: 'PT6H'
    periods: 1
    measure: 'failures'
    operator: 'GreaterThanOrEqual'
    threshold: repeatedFailures
    dimensions: []
    runbook: 'reconcile-keeps-failing'
    description: 'Reconcile commands failed the given number of times with no success in between (redeliveries count): Twilio, Genesys and the policy are drifting apart and nothing repairs them.'
    query: '''
let runs = customMetrics
    | where name == "byoc.commands"
    | extend command_type = tostring(customDimensions.command_type), outcome = tostring(customDimensions.outcome)
    | where command_type == "reconcile";
let last_success = runs
    | where outcome == "succeeded"
    | summarize last_ok = max(timestamp) by command_type;
runs
| where outcome == "failed"
| join kind=leftouter (last_success) on command_type
| where isnull(last_ok) or timestamp > last_ok
| summarize failures = sum(value), timestamp = max(timestamp) by command_type
'''
  }
  {
    name: 'byoc-feed-failing'
    displayName: 'byoc-sync: a change feed keeps failing'
    severity: 2
    evaluationFrequency: 'PT5M'
    windowSize: 'PT1H'
    periods: 1
    measure: 'failures'
    operator: 'GreaterThanOrEqual'
    threshold: repeatedFailures
    dimensions: [
      'feed'
    ]
    runbook: 'feed-keeps-failing'
    description: 'Polls of one change feed failed the given number of times in a row: console changes it should report are only found by the next full reconcile. The alert names the feed.'
    query: '''
let polls = customMetrics
    | where name == "byoc.feed.polls"
    | extend feed = tostring(customDimensions.feed), outcome = tostring(customDimensions.outcome);
let last_success = polls
    | where outcome == "ok"
    | summarize last_ok = max(timestamp) by feed;
polls
| where outcome == "failed"
| join kind=leftouter (last_success) on feed
| where isnull(last_ok) or timestamp > last_ok
| summarize failures = sum(value), timestamp = max(timestamp) by feed
'''
  }
  {
    name: 'byoc-timer-failing'
    displayName: 'byoc-sync: a timer keeps failing'
    severity: 2
    evaluationFrequency: 'PT5M'
    windowSize: 'PT6H'
    periods: 1
    measure: 'failures'
    operator: 'GreaterThanOrEqual'
    threshold: repeatedFailures
    dimensions: [
      'timer'
    ]
    runbook: 'timer-keeps-failing'
    description: 'Runs of one timer function failed the given number of times in a row. A failing health_check_timer means no trunk group is evaluated: no failover happens. The alert names the timer.'
    query: '''
let runs = customMetrics
    | where name == "byoc.timer.runs"
    | extend timer = tostring(customDimensions.timer), outcome = tostring(customDimensions.outcome);
let last_success = runs
    | where outcome == "ok"
    | summarize last_ok = max(timestamp) by timer;
runs
| where outcome == "failed"
| join kind=leftouter (last_success) on timer
| where isnull(last_ok) or timestamp > last_ok
| summarize failures = sum(value), timestamp = max(timestamp) by timer
'''
  }
  {
    name: 'byoc-vendor-throttling'
    displayName: 'byoc-sync: a vendor keeps throttling us'
    severity: 2
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    periods: 3
    measure: 'throttled'
    operator: 'GreaterThan'
    threshold: vendorThrottleThreshold
    dimensions: [
      'vendor'
    ]
    runbook: 'vendor-throttling-sustained'
    description: 'Twilio or Genesys answered 429 more often than the threshold in each of three 5-minute windows in a row: calls wait for Retry-After, so purchases, reconciles and failovers slow down or fail after their retries. The alert names the vendor.'
    query: '''
customMetrics
| where name == "byoc.vendor.throttled"
| extend vendor = tostring(customDimensions.vendor)
| project timestamp, vendor, throttled = value
'''
  }
  {
    name: 'byoc-http-server-errors'
    displayName: 'byoc-sync: HTTP 5xx from the Function App'
    severity: 2
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    periods: 1
    measure: ''
    operator: 'GreaterThan'
    threshold: serverErrorThreshold
    dimensions: [
      'operation'
      'resultCode'
    ]
    runbook: 'http-5xx'
    description: 'HTTP functions answered 5xx: 502 when a vendor call failed after its retries, 503 when a setting or the policy is unusable, 500 when a function raised. Callers (Twilio, the Genesys event bridge, API clients) retry or give up. The alert names the operation and the status.'
    query: '''
requests
| where toint(resultCode) between (500 .. 599)
| project timestamp, operation = name, resultCode
'''
  }
  {
    name: 'byoc-journal-write-failures'
    displayName: 'byoc-sync: the change journal cannot be written'
    severity: 2
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    periods: 1
    measure: 'write_failures'
    operator: 'GreaterThan'
    threshold: 0
    dimensions: []
    runbook: 'journal-write-failures'
    description: 'byoc-sync made changes it could not record in its change journal: the changes happened, but the record of who changed what and why has gaps.'
    query: '''
customMetrics
| where name == "byoc.journal.write_failures"
| project timestamp, write_failures = value
'''
  }
]

resource logAlerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in logRules: {
    name: rule.name
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: alertsEnabled
      scopes: [
        applicationInsightsId
      ]
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: empty(rule.measure) ? 'Count' : 'Total'
            metricMeasureColumn: empty(rule.measure) ? null : rule.measure
            dimensions: [
              for dimension in rule.dimensions: {
                name: dimension
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            operator: rule.operator
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: rule.periods
              minFailingPeriodsToAlert: rule.periods
            }
          }
        ]
      }
      actions: {
        actionGroups: [
          actionGroup.id
        ]
        customProperties: {
          runbook: '${runbooks}${rule.runbook}'
        }
      }
    }
  }
]

output actionGroupName string = actionGroup.name
output availabilityTestName string = healthzTest.name
