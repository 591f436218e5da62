// Key Vault in RBAC mode holding the vendor secrets. The app identity reads secrets (Key Vault
// Secrets User); an optional operator principal may write new versions to roll them (Key
// Vault Secrets Officer). A secret is written only when a value is given, so a re-provision
// with the value left empty keeps whatever version an operator rolled in meanwhile.

@description('Name of the Key Vault (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Principal id of the app identity (gets Key Vault Secrets User).')
param identityPrincipalId string

@description('Object id of a user or group that may roll secrets (Key Vault Secrets Officer); empty for none.')
param operatorPrincipalId string = ''

@description('Principal type of operatorPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = 'User'

@secure()
@description('Twilio auth token; empty keeps the current secret version.')
param twilioAuthToken string = ''

@secure()
@description('Twilio Webhook SharedKey secret(s) a Webhook Rule signs webhooks with, comma-separated (two while rolling); empty keeps the current secret version.')
param twilioWebhookSharedKeys string = ''

@secure()
@description('Genesys Cloud OAuth client secret; empty keeps the current secret version.')
param genesysOAuthClientSecret string = ''

@secure()
@description('API key(s) Genesys events must carry, comma-separated (two while rolling); empty keeps the current secret version.')
param genesysEventApiKeys string = ''

// Secret names, referenced by the Function App settings (version-less: the latest version wins).
var twilioAuthTokenSecretName = 'twilio-auth-token'
var twilioWebhookSharedKeysSecretName = 'twilio-webhook-shared-keys'
var genesysOAuthClientSecretName = 'genesyscloud-oauthclient-secret'
var genesysEventApiKeysSecretName = 'genesys-event-api-keys'

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109:Key Vault references are resolved by the Functions platform over the public endpoint (the app is not VNet-integrated here); access is RBAC-only with Entra tokens. docs/deploy.md shows the VNet hardening.
  // checkov:skip=CKV_AZURE_189:Public network access stays on for the Functions platform to resolve Key Vault references (no VNet here); RBAC-only, Entra tokens required.
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource twilioAuthTokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(twilioAuthToken)) {
  // checkov:skip=CKV_AZURE_41:Twilio auth tokens do not expire on Twilio's side; an expiry here would only break the app. Rotation is operator-driven (docs/deploy.md, Rolling keys).
  // checkov:skip=CKV_AZURE_114:False positive: contentType is set below; checkov does not look inside a conditional (if) resource body.
  parent: vault
  name: twilioAuthTokenSecretName
  properties: {
    value: twilioAuthToken
    contentType: 'text/plain'
  }
}

resource twilioWebhookSharedKeysSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(twilioWebhookSharedKeys)) {
  // checkov:skip=CKV_AZURE_41:Webhook SharedKeys do not expire on Twilio's side; an expiry here would only break the endpoint. Rotation is operator-driven (two active at once, docs/deploy.md, Rolling keys).
  // checkov:skip=CKV_AZURE_114:False positive: contentType is set below; checkov does not look inside a conditional (if) resource body.
  parent: vault
  name: twilioWebhookSharedKeysSecretName
  properties: {
    value: twilioWebhookSharedKeys
    contentType: 'text/plain'
  }
}

resource genesysOAuthClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(genesysOAuthClientSecret)) {
  // checkov:skip=CKV_AZURE_41:Genesys Cloud OAuth client secrets do not expire on Genesys' side; an expiry here would only break the app. Rotation is operator-driven (docs/deploy.md, Rolling keys).
  // checkov:skip=CKV_AZURE_114:False positive: contentType is set below; checkov does not look inside a conditional (if) resource body.
  parent: vault
  name: genesysOAuthClientSecretName
  properties: {
    value: genesysOAuthClientSecret
    contentType: 'text/plain'
  }
}

resource genesysEventApiKeysSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(genesysEventApiKeys)) {
  // checkov:skip=CKV_AZURE_41:The keys are shared with the Genesys event bridge and rolled by the operator (two active at once, docs/deploy.md, Rolling keys); an expiry here would only break the endpoint.
  // checkov:skip=CKV_AZURE_114:False positive: contentType is set below; checkov does not look inside a conditional (if) resource body.
  parent: vault
  name: genesysEventApiKeysSecretName
  properties: {
    value: genesysEventApiKeys
    contentType: 'text/plain'
  }
}

resource appReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operatorWritesSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}

output name string = vault.name
output vaultUri string = vault.properties.vaultUri
output twilioAuthTokenSecretUri string = '${vault.properties.vaultUri}secrets/${twilioAuthTokenSecretName}'
output twilioWebhookSharedKeysSecretUri string = '${vault.properties.vaultUri}secrets/${twilioWebhookSharedKeysSecretName}'
output genesysOAuthClientSecretUri string = '${vault.properties.vaultUri}secrets/${genesysOAuthClientSecretName}'
output genesysEventApiKeysSecretUri string = '${vault.properties.vaultUri}secrets/${genesysEventApiKeysSecretName}'
