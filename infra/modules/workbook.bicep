// The operations workbook: trunk-group timeline, drift found and repaired, purchases, vendor
// calls and throttling, feeds and timers, the command queue. Its definition is
// infra/workbooks/operations.json (the portal's "Advanced editor" format, so it can be edited
// there and pasted back); the resource ids it reads are filled in here. Its queries use only
// the metrics of infra/telemetry-contract.json (tests/infra/test_alerts.py).

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Resource id of the Application Insights component the queries read.')
param applicationInsightsId string

@description('Resource id of the Service Bus namespace whose metrics the queue charts show.')
param serviceBusNamespaceId string

@description('Name shown in the portal\'s workbook gallery.')
param displayName string = 'byoc-sync operations'

var template = loadTextContent('../workbooks/operations.json')
var withComponent = replace(template, '__APPLICATION_INSIGHTS_ID__', applicationInsightsId)
var definition = replace(withComponent, '__SERVICE_BUS_NAMESPACE_ID__', serviceBusNamespaceId)

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name must be a GUID; this one is stable per resource group.
  name: guid(resourceGroup().id, 'byoc-sync-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    // Lower-cased, as the portal writes the source of the workbooks it saves.
    sourceId: toLower(applicationInsightsId)
    serializedData: definition
  }
}

output id string = workbook.id
