// The Function App on the Flex Consumption plan (Linux, Python 3.11), running as the
// user-assigned identity: identity-based host storage, deployment package pulled with the
// identity, secrets as Key Vault references resolved with the identity. No connection string
// or key appears in an app setting.
//
// The app settings below are checked by tests/infra/test_app_settings.py: every product
// setting (a field of shared.settings.Settings, upper-cased) must be set here, and every
// other name must be on the test's platform allow-list.

@description('Name of the Function App.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region (one that offers Flex Consumption).')
param location string

@description('Tags for every resource; the app also gets azd-service-name.')
param tags object

@description('azd service name of the app (azure.yaml).')
param serviceName string = 'api'

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Name of the host storage account.')
param storageAccountName string

@description('Blob endpoint of the host storage account.')
param storageBlobEndpoint string

@description('Container holding the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (Entra-authenticated ingestion).')
param applicationInsightsConnectionString string

@description('Key Vault secret URI (version-less) of the Twilio auth token.')
param twilioAuthTokenSecretUri string

@description('Key Vault secret URI (version-less) of the Twilio Webhook SharedKey secret(s).')
param twilioWebhookSharedKeysSecretUri string

@description('Key Vault secret URI (version-less) of the Genesys Cloud OAuth client secret.')
param genesysOAuthClientSecretUri string

@description('Twilio account SID (AC…): an identifier, not a secret.')
param twilioAccountSid string

@description('Genesys Cloud OAuth client id: an identifier, not a secret.')
param genesysOAuthClientId string

@description('Genesys Cloud region, CX as Code spelling.')
param genesysRegion string

@description('Path of the routing policy file, relative to the deployed app root.')
param policyPath string

@description('Timeout of one vendor API call, in seconds.')
param httpTimeoutSeconds string

@description('Attempts of one vendor call, the first included.')
param retryMaxAttempts string

@description('Longest pause between two attempts, in seconds.')
param retryMaxWaitSeconds string

@description('Client-side Genesys Cloud request budget per minute; 0 turns it off.')
param genesysRequestsPerMinute string

@description('Most DNIS one Genesys IVR write adds; larger changes go in several writes.')
param genesysDnisPerWrite string

@description('Share of the Genesys budget a reconcile of every number leaves free for failover.')
param genesysReservedShare string

@description('Extra Genesys tokens a reconcile of every number spreads its calls over (0: none).')
param genesysBulkTokens string

@description('Key Vault secret URI of the Genesys events API key(s).')
param genesysEventApiKeysSecretUri string

@description('Fully qualified Service Bus namespace (<name>.servicebus.windows.net) of the command queue.')
param serviceBusNamespace string

@description('Name of the Service Bus command queue.')
param commandQueueName string

@description('Maximum delivery count of the command queue: the worker journals a failing last delivery as dead-lettered.')
@minValue(1)
@maxValue(100)
param commandMaxDeliveryCount int = 10

@description('Table in the app storage account the journal of commands and vendor changes is appended to.')
param journalTableName string = 'byocjournal'

@description('Days the journal keeps an entry.')
@minValue(1)
@maxValue(3650)
param journalRetentionDays int = 90

@description('NCRONTAB schedule of the daily journal prune.')
param journalPruneSchedule string = '0 30 5 * * *'

@description('NCRONTAB schedule of the trunk health-check timer.')
param healthCheckSchedule string = '0 */1 * * * *'

@description('Table in the app storage account holding trunk-group health state between runs.')
param healthTableName string = 'byoctrunkhealth'

@description('NCRONTAB schedule of the reconcile timer.')
param reconcileSchedule string = '0 */15 * * * *'

@description('NCRONTAB schedule of the daily preflight audit timer.')
param auditSchedule string = '0 0 6 * * *'

@description('NCRONTAB schedule of the Twilio change feed (Monitor events of numbers).')
param twilioFeedSchedule string = '30 * * * * *'

@description('NCRONTAB schedule of the Twilio alert feed (Monitor alerts: 32010, 32011, ...).')
param twilioAlertFeedSchedule string = '15 * * * * *'

@description('NCRONTAB schedule of the Genesys audit feed (hand edits of IVRs, DIDs, DID pools).')
param genesysAuditFeedSchedule string = '45 * * * * *'

@description('Seconds each Genesys audit poll looks back for audits indexed late.')
param genesysAuditLagSeconds string = '120'

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of one instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Spread the plan over availability zones (only in regions that support it for Flex Consumption).')
param zoneRedundant bool = false

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225:Zone redundancy on Flex Consumption exists only in some regions; it is opt-in with the zoneRedundant parameter (default off so the template deploys in every Flex region).
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222:Twilio webhooks and Genesys Cloud event forwarding call the app from the internet; every request is authenticated by the code (Twilio signatures, Genesys API keys).
  // checkov:skip=CKV_AZURE_17:Twilio and Genesys Cloud cannot present client certificates; the webhooks are authenticated by signature / API key instead.
  // checkov:skip=CKV_AZURE_212:Flex Consumption scales per event; always-ready instances would bill around the clock for a workload that tolerates a cold start (queued commands wait, webhooks are retried by the vendors).
  // checkov:skip=CKV_AZURE_213:The Flex Consumption plan does not support App Service health checks; GET /api/healthz exists for external probes (docs/deploy.md).
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': serviceName
  })
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
    clientCertEnabled: false
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        // --- Platform: the Functions host's storage, identity-based (no AzureWebJobsStorage
        // connection string exists anywhere).
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storageAccountName
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        // --- Platform: telemetry, ingested with the identity's Entra token (local auth is off).
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: applicationInsightsConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        // The Python worker streams its own OpenTelemetry logs and traces (the host does not
        // repeat its log lines) and attaches the host's span to each invocation, so the
        // app's spans join the host's request telemetry (host.json telemetryMode, docs/telemetry.md).
        {
          name: 'PYTHON_ENABLE_OPENTELEMETRY'
          value: 'true'
        }
        // --- Platform: azure-identity's DefaultAzureCredential picks the user-assigned identity.
        {
          name: 'AZURE_CLIENT_ID'
          value: identityClientId
        }
        // --- Platform: the Service Bus connection `ServiceBusConnection` the worker trigger and
        // the command sender share, identity-based (local auth is off on the namespace).
        {
          name: 'ServiceBusConnection__fullyQualifiedNamespace'
          value: serviceBusNamespace
        }
        {
          name: 'ServiceBusConnection__credential'
          value: 'managedidentity'
        }
        {
          name: 'ServiceBusConnection__clientId'
          value: identityClientId
        }
        // --- Product settings (shared/settings.py). Secrets are Key Vault references.
        {
          name: 'TWILIO_ACCOUNT_SID'
          value: twilioAccountSid
        }
        {
          name: 'TWILIO_AUTH_TOKEN'
          value: '@Microsoft.KeyVault(SecretUri=${twilioAuthTokenSecretUri})'
        }
        {
          name: 'TWILIO_WEBHOOK_SHARED_KEYS'
          value: '@Microsoft.KeyVault(SecretUri=${twilioWebhookSharedKeysSecretUri})'
        }
        {
          // Sandbox only (points the Twilio SDK at the emulator); empty in Azure.
          name: 'TWILIO_API_BASE_URL'
          value: ''
        }
        {
          name: 'GENESYSCLOUD_OAUTHCLIENT_ID'
          value: genesysOAuthClientId
        }
        {
          name: 'GENESYSCLOUD_OAUTHCLIENT_SECRET'
          value: '@Microsoft.KeyVault(SecretUri=${genesysOAuthClientSecretUri})'
        }
        {
          name: 'GENESYSCLOUD_REGION'
          value: genesysRegion
        }
        {
          // Sandbox only (points the Genesys SDK at the emulator); empty in Azure, the region decides.
          name: 'GENESYSCLOUD_API_HOST'
          value: ''
        }
        {
          name: 'BYOC_POLICY_PATH'
          value: policyPath
        }
        {
          name: 'BYOC_HTTP_TIMEOUT_S'
          value: httpTimeoutSeconds
        }
        {
          name: 'BYOC_RETRY_MAX_ATTEMPTS'
          value: retryMaxAttempts
        }
        {
          name: 'BYOC_RETRY_MAX_WAIT_S'
          value: retryMaxWaitSeconds
        }
        {
          name: 'BYOC_GENESYS_REQUESTS_PER_MINUTE'
          value: genesysRequestsPerMinute
        }
        {
          name: 'BYOC_GENESYS_DNIS_PER_WRITE'
          value: genesysDnisPerWrite
        }
        {
          name: 'BYOC_GENESYS_RESERVED_SHARE'
          value: genesysReservedShare
        }
        {
          name: 'BYOC_GENESYS_BULK_TOKENS'
          value: genesysBulkTokens
        }
        {
          name: 'BYOC_COMMAND_QUEUE'
          value: commandQueueName
        }
        {
          name: 'BYOC_GENESYS_EVENT_API_KEYS'
          value: '@Microsoft.KeyVault(SecretUri=${genesysEventApiKeysSecretUri})'
        }
        {
          name: 'BYOC_HEALTH_CHECK_SCHEDULE'
          value: healthCheckSchedule
        }
        {
          name: 'BYOC_RECONCILE_SCHEDULE'
          value: reconcileSchedule
        }
        {
          name: 'BYOC_AUDIT_SCHEDULE'
          value: auditSchedule
        }
        {
          name: 'BYOC_TWILIO_FEED_SCHEDULE'
          value: twilioFeedSchedule
        }
        {
          name: 'BYOC_TWILIO_ALERT_FEED_SCHEDULE'
          value: twilioAlertFeedSchedule
        }
        {
          name: 'BYOC_GENESYS_AUDIT_FEED_SCHEDULE'
          value: genesysAuditFeedSchedule
        }
        {
          name: 'BYOC_GENESYS_AUDIT_LAG_S'
          value: genesysAuditLagSeconds
        }
        {
          // In the account of AzureWebJobsStorage (Storage Table Data Contributor, storage.bicep).
          name: 'BYOC_HEALTH_TABLE'
          value: healthTableName
        }
        {
          // Traces and metrics go to Application Insights; the console is the sandbox's.
          name: 'BYOC_TELEMETRY_CONSOLE'
          value: 'false'
        }
        {
          name: 'BYOC_COMMAND_MAX_DELIVERY_COUNT'
          value: string(commandMaxDeliveryCount)
        }
        {
          // Same account and data role as the health table.
          name: 'BYOC_JOURNAL_TABLE'
          value: journalTableName
        }
        {
          name: 'BYOC_JOURNAL_RETENTION_DAYS'
          value: string(journalRetentionDays)
        }
        {
          name: 'BYOC_JOURNAL_PRUNE_SCHEDULE'
          value: journalPruneSchedule
        }
      ]
    }
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
