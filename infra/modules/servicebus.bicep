// Service Bus namespace and the command queue. Standard tier: sessions (commands about one
// number run in order) and duplicate detection (a command's id is its message id) need it.
// Local (SAS) auth is off: only Entra identities with data roles send or receive.

@description('Name of the Service Bus namespace.')
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the command queue.')
param queueName string

@description('Principal id of the app identity (gets Data Sender and Data Receiver on the queue).')
param identityPrincipalId string

@description('How long the queue remembers message ids for duplicate detection (ISO 8601).')
param duplicateDetectionWindow string = 'PT1H'

@description('Deliveries of one message before it is dead-lettered.')
@minValue(1)
@maxValue(100)
param maxDeliveryCount int = 10

@description('Time to live of a command before it expires into the dead-letter queue (ISO 8601).')
param messageTimeToLive string = 'P1D'

// Azure Service Bus Data Sender / Data Receiver, scoped to the queue (least privilege).
var serviceBusDataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
var serviceBusDataReceiver = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
var queueRoles = [
  serviceBusDataSender
  serviceBusDataReceiver
]

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: namespace
  name: queueName
  properties: {
    requiresSession: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    maxDeliveryCount: maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: messageTimeToLive
    lockDuration: 'PT1M'
    enablePartitioning: false
  }
}

resource queueRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in queueRoles: {
    name: guid(queue.id, identityPrincipalId, role)
    scope: queue
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identityPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

output name string = namespace.name
output id string = namespace.id
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output queueName string = queue.name
output maxDeliveryCount int = maxDeliveryCount
