// byoc-sync on Azure: `azd up` deploys this file (azure.yaml). Subscription scope: it creates
// the environment's resource group and everything in it.
//
//   identity      user-assigned managed identity the app runs as
//   monitoring    Log Analytics + Application Insights (Entra-authenticated ingestion)
//   storage       host storage, identity-based only, + Flex Consumption deployment container
//   servicebus    namespace + command queue (sessions, duplicate detection, dead-lettering)
//   keyvault      RBAC-mode vault with the Twilio and Genesys secrets
//   function-app  Flex Consumption plan + Function App (Python 3.11)
//   alerts        action group, alert rules, availability test of GET /api/healthz
//   workbook      the operations workbook (docs/alerts.md lists both)
//
// Every role assignment is made to the identity at the narrowest scope that works: data
// roles only, no Owner / Contributor, no keys, no connection strings.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Azure region of every resource; it must offer the Flex Consumption plan.')
param location string

@description('Twilio account SID (AC…).')
param twilioAccountSid string = ''

@secure()
@description('Twilio auth token, written to Key Vault; empty keeps the vault\'s current version.')
param twilioAuthToken string = ''

@secure()
@description('Twilio Webhook SharedKey secret(s), comma-separated (two while rolling), written to Key Vault; empty keeps the vault\'s current version.')
param twilioWebhookSharedKeys string = ''

@description('Genesys Cloud OAuth client id (client-credentials grant).')
param genesysOAuthClientId string = ''

@secure()
@description('Genesys Cloud OAuth client secret, written to Key Vault; empty keeps the vault\'s current version.')
param genesysOAuthClientSecret string = ''

// Keep in step with GENESYS_REGION_HOSTS in shared/settings.py (tests/infra checks).
@description('Genesys Cloud region, CX as Code spelling.')
@allowed([
  'us-east-1'
  'us-east-2'
  'us-west-2'
  'ca-central-1'
  'sa-east-1'
  'mx-central-1'
  'eu-west-1'
  'eu-west-2'
  'eu-central-1'
  'eu-central-2'
  'me-central-1'
  'ap-south-1'
  'ap-southeast-1'
  'ap-southeast-2'
  'ap-northeast-1'
  'ap-northeast-2'
  'ap-northeast-3'
])
param genesysRegion string = 'us-east-1'

@description('Path of the routing policy file, relative to the deployed app root.')
param policyPath string = 'policy.yaml'

@description('Timeout of one vendor API call, in seconds.')
param httpTimeoutSeconds string = '30'

@description('Attempts of one vendor call, the first included.')
param retryMaxAttempts string = '5'

@description('Longest pause between two attempts, in seconds.')
param retryMaxWaitSeconds string = '30'

@description('Client-side Genesys Cloud request budget per minute; 0 turns it off.')
param genesysRequestsPerMinute string = '300'

@description('Most DNIS one Genesys IVR write adds; larger changes go in several writes.')
param genesysDnisPerWrite string = '50'

@description('Share of the Genesys budget a reconcile of every number leaves free for failover.')
param genesysReservedShare string = '0.2'

@description('Extra Genesys tokens a reconcile of every number spreads its calls over (0: none).')
param genesysBulkTokens string = '0'

@description('Object id of a user or group allowed to roll secrets in Key Vault; empty for none.')
param operatorPrincipalId string = ''

@description('Principal type of operatorPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = 'User'

@secure()
@description('API key(s) the Genesys event bridge sends in X-API-Key, comma-separated (two while rolling); empty keeps the current secret.')
param genesysEventApiKeys string = ''

@description('Name of the Service Bus command queue.')
param commandQueueName string = 'commands'

@description('Most instances the Function App scales out to.')
param maximumInstanceCount int = 40

@description('Email addresses the alerts notify, comma-separated; empty for none (alerts still show in the portal).')
param alertEmails string = ''

@secure()
@description('HTTPS webhook URLs the alerts call with the common alert schema, comma-separated; empty for none.')
param alertWebhookUrls string = ''

@description('Evaluate the alert rules; false deploys them disabled.')
param alertsEnabled bool = true

var tags = {
  'azd-env-name': environmentName
  app: 'byoc-sync'
}
var token = toLower(uniqueString(subscription().id, environmentName, location))
var functionAppName = 'func-byoc-${token}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-byoc-${token}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-byoc-${token}'
    applicationInsightsName: 'appi-byoc-${token}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stbyoc${token}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${token}'
    identityPrincipalId: identity.outputs.principalId
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: 'sb-byoc-${token}'
    location: location
    tags: tags
    queueName: commandQueueName
    identityPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-byoc-${token}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
    twilioAuthToken: twilioAuthToken
    twilioWebhookSharedKeys: twilioWebhookSharedKeys
    genesysOAuthClientSecret: genesysOAuthClientSecret
    genesysEventApiKeys: genesysEventApiKeys
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-byoc-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    twilioAuthTokenSecretUri: keyVault.outputs.twilioAuthTokenSecretUri
    twilioWebhookSharedKeysSecretUri: keyVault.outputs.twilioWebhookSharedKeysSecretUri
    genesysOAuthClientSecretUri: keyVault.outputs.genesysOAuthClientSecretUri
    twilioAccountSid: twilioAccountSid
    genesysOAuthClientId: genesysOAuthClientId
    genesysRegion: genesysRegion
    policyPath: policyPath
    httpTimeoutSeconds: httpTimeoutSeconds
    retryMaxAttempts: retryMaxAttempts
    retryMaxWaitSeconds: retryMaxWaitSeconds
    genesysRequestsPerMinute: genesysRequestsPerMinute
    genesysDnisPerWrite: genesysDnisPerWrite
    genesysReservedShare: genesysReservedShare
    genesysBulkTokens: genesysBulkTokens
    genesysEventApiKeysSecretUri: keyVault.outputs.genesysEventApiKeysSecretUri
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    commandQueueName: serviceBus.outputs.queueName
    commandMaxDeliveryCount: serviceBus.outputs.maxDeliveryCount
    maximumInstanceCount: maximumInstanceCount
  }
  // The host must find its data roles in place on first start (they live in these modules).
  dependsOn: [
    serviceBus
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
    commandQueueName: serviceBus.outputs.queueName
    functionAppHostName: functionApp.outputs.defaultHostName
    alertEmails: alertEmails
    alertWebhookUrls: alertWebhookUrls
    alertsEnabled: alertsEnabled
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
  }
}

// azd stores these in the environment (.azure/<env>/.env); docs/deploy.md uses them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.vaultUri
output AZURE_SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_SERVICEBUS_QUEUE string = serviceBus.outputs.queueName
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output BYOC_ACTION_GROUP_NAME string = alerts.outputs.actionGroupName
