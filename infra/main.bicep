// Deployment of the platform into one resource group in Canada.
// Deploy: az deployment group create -g <rg-in-canada> -f infra/main.bicep -p tenantId=<guid> apiClientId=<guid>
// (Not compiled on the build machines, which cannot install the Bicep CLI: run `az bicep build -f infra/main.bicep` before use.)
targetScope = 'resourceGroup'

@description('Primary region: Canada Central (Toronto) or Canada East (Québec City).')
@allowed(['canadacentral', 'canadaeast'])
param location string = 'canadacentral'

@description('Name prefix for every resource (lower-case letters and digits).')
@minLength(3)
@maxLength(11)
param prefix string = 'spgq'

@description('Entra ID tenant id.')
param tenantId string

@description('App registration id of the API (tokens must be issued for it).')
param apiClientId string

@description('Keep SAS (local auth) on Service Bus for an on-prem agent that cannot use a certificate credential.')
param serviceBusLocalAuth bool = false

var otherCanadianRegion = location == 'canadacentral' ? 'canadaeast' : 'canadacentral'
var suffix = uniqueString(resourceGroup().id)
var allowedLocations = ['canadacentral', 'canadaeast']

// The deployment half of the residency guard: nothing outside Canada can be created in this
// resource group (Storage and Service Bus host names carry no region the app could check).
resource allowedLocationsPolicy 'Microsoft.Authorization/policyAssignments@2024-04-01' = {
  name: 'allowed-locations-canada'
  properties: {
    displayName: 'Ressources au Canada seulement / Canada-only resources'
    policyDefinitionId: '/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c'
    parameters: { listOfAllowedLocations: { value: allowedLocations } }
    enforcementMode: 'Default'
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-id-${suffix}'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${prefix}-log-${suffix}'
  location: location
  properties: { retentionInDays: 90, sku: { name: 'PerGB2018' } }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-appi-${suffix}'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id, DisableLocalAuth: true }
}

// GZRS: zone-redundant in the primary region, geo-replicated to the paired Canadian region.
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: '${prefix}st${suffix}'
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_GZRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

// Version-level immutability (WORM) for archived mail needs versioning.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: { isVersioningEnabled: true }
}

resource mailContent 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'mail-content'
  properties: { immutableStorageWithVersioning: { enabled: true } }
}

// Daily manifests are also write-once in Azure (version-level immutability). Exports get no policy:
// their files are deleted after ARCHIVE_EXPORT_RETENTION_DAYS (shared/archive/records/export.ts).
resource archiveManifests 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'archive-manifests'
  properties: { immutableStorageWithVersioning: { enabled: true } }
}

resource archiveExports 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'archive-exports'
  properties: { immutableStorageWithVersioning: { enabled: true } }
}

// Versioning keeps a version of every blob overwritten or deleted. Where the app means to delete
// for good (expired exports, relay documents, staging, locks and the sweep watermark, the host's
// timer status), those versions go after a day. Mail content and manifests are not listed: they are
// WORM, and disposition deletes every version of what it destroys itself.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  dependsOn: [blobService]
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-previous-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['archive-exports/', 'relay-documents/', 'relay-agent/', 'mail-staging/', 'archive-locks/', 'azure-webjobs-hosts/']
            }
            actions: { version: { delete: { daysAfterCreationGreaterThan: 1 } } }
          }
        }
      ]
    }
  }
}

// On-prem relay: the agent's heartbeats, and large documents it uploads for a few minutes.
resource relayHeartbeats 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'relay-agent'
}

resource relayDocuments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'relay-documents'
}

resource deploymentPackages 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'deployments'
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: '${prefix}-sb-${suffix}'
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
  properties: { disableLocalAuth: !serviceBusLocalAuth, minimumTlsVersion: '1.2' }
}

var queues = [
  { name: 'archive-mailbox', requiresSession: false, maxDeliveryCount: 5 }
  { name: 'relay-requests', requiresSession: false, maxDeliveryCount: 5 }
  { name: 'relay-replies', requiresSession: true, maxDeliveryCount: 10 }
  // Appended: the agent's rules below name queues by index.
  { name: 'archive-exports', requiresSession: false, maxDeliveryCount: 5 }
]

resource serviceBusQueues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [for q in queues: {
  parent: serviceBus
  name: q.name
  properties: {
    requiresSession: q.requiresSession
    maxDeliveryCount: q.maxDeliveryCount
    lockDuration: 'PT1M'
    deadLetteringOnMessageExpiration: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
  }
}]

// Events about people (arrivals, departures, role changes): each consumer reads its own
// subscription, in order per person (sessions); a resend within 10 minutes is dropped.
// Mirrors dev/local-stack/servicebus-config.json.
resource peopleEventsTopic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = {
  parent: serviceBus
  name: 'people-events'
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
  }
}

var peopleEventsSubscriptions = [
  'archive-scope'
  'training'
  'collaboration'
  'rollout'
]

// No rules declared: each subscription keeps its $Default rule (every message).
resource peopleEventsSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [for name in peopleEventsSubscriptions: {
  parent: peopleEventsTopic
  name: name
  properties: {
    requiresSession: true
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: false
    defaultMessageTimeToLive: 'P14D'
  }
}]

// Least privilege for a SAS-only agent: listen on requests, send on replies, nothing else.
resource agentListenRule 'Microsoft.ServiceBus/namespaces/queues/authorizationRules@2022-10-01-preview' = if (serviceBusLocalAuth) {
  parent: serviceBusQueues[1]
  name: 'onprem-agent-listen'
  properties: { rights: ['Listen'] }
}

resource agentSendRule 'Microsoft.ServiceBus/namespaces/queues/authorizationRules@2022-10-01-preview' = if (serviceBusLocalAuth) {
  parent: serviceBusQueues[2]
  name: 'onprem-agent-send'
  properties: { rights: ['Send'] }
}

// The relay's Ed25519 signing key lives here (secret "relay-signing-key", created by the operator).
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: '${prefix}-kv-${suffix}'
  location: location
  properties: {
    tenantId: tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: 90
  }
}

resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, 'kv-secrets-user')
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6') // Key Vault Secrets User
  }
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: '${prefix}-cosmos-${suffix}'
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    // Both replicas in Canada: the residency guard reads these locations at start-up.
    locations: [
      { locationName: location, failoverPriority: 0, isZoneRedundant: false }
      { locationName: otherCanadianRegion, failoverPriority: 1, isZoneRedundant: false }
    ]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    capabilities: [{ name: 'EnableServerless' }]
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: cosmos
  name: 'spgq'
  properties: { resource: { id: 'spgq' } }
}

// The app's containers are declared here, not left to the app: with Entra ID (local auth off) the
// data-plane role can read and write items but cannot create databases or containers. The app's
// createIfNotExists then only reads them. Names and keys: shared/archive/model.ts.
var cosmosContainers = [
  { name: 'archive-messages', partitionKey: '/pk', indexed: true }
  { name: 'archive-mailboxes', partitionKey: '/mailboxId', indexed: true }
  // Point reads only (entry id -> partition key): no index, so each write costs the fewest RUs.
  { name: 'archive-locators', partitionKey: '/mailboxId', indexed: false }
  { name: 'archive-records', partitionKey: '/pk', indexed: true }
  { name: 'archive-audit', partitionKey: '/pk', indexed: true }
  // People (shared/people/adapters/cosmos-people.ts): one document per person, and the change history.
  { name: 'people', partitionKey: '/id', indexed: true }
  { name: 'people-history', partitionKey: '/personId', indexed: true }
  // Training (shared/training/adapters/cosmos-training.ts): trainees and assignments by person, the audit by month.
  { name: 'training-trainees', partitionKey: '/personId', indexed: true }
  { name: 'training-assignments', partitionKey: '/personId', indexed: true }
  { name: 'training-audit', partitionKey: '/pk', indexed: true }
  // Connectors' watermarks (shared/training/adapters/cosmos-connector-watermarks.ts): point reads only.
  { name: 'training-connectors', partitionKey: '/id', indexed: false }
]

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [for c in cosmosContainers: {
  parent: database
  name: c.name
  properties: {
    resource: {
      id: c.name
      partitionKey: { paths: [c.partitionKey], kind: 'Hash' }
      indexingPolicy: c.indexed ? { indexingMode: 'consistent', automatic: true } : { indexingMode: 'none', automatic: false }
    }
  }
}]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${prefix}-plan-${suffix}'
  location: location
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: '${prefix}-func-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identity.id}': {} } }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}deployments'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
      runtime: { name: 'node', version: '20' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        { name: 'DEPLOYMENT_REGION', value: location }
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: '${serviceBus.name}.servicebus.windows.net' }
        { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
        { name: 'ServiceBusConnection__clientId', value: identity.properties.clientId }
        { name: 'CosmosDb__accountEndpoint', value: cosmos.properties.documentEndpoint }
        { name: 'CosmosDb__credential', value: 'managedidentity' }
        { name: 'CosmosDb__clientId', value: identity.properties.clientId }
        { name: 'COSMOS_DATABASE', value: database.name }
        { name: 'AUTH_TENANT_ID', value: tenantId }
        { name: 'AUTH_CLIENT_ID', value: apiClientId }
        // Timer schedules and queue names are read by the host as %NAME%: they must exist as app settings.
        { name: 'ARCHIVE_QUEUE_NAME', value: 'archive-mailbox' }
        { name: 'ARCHIVE_EXPORT_QUEUE_NAME', value: 'archive-exports' }
        { name: 'ARCHIVE_SCHEDULE', value: '0 */15 * * * *' }
        { name: 'ARCHIVE_SWEEP_SCHEDULE', value: '0 30 3 * * *' }
        { name: 'ARCHIVE_DISPOSITION_SCHEDULE', value: '0 0 4 * * *' }
        { name: 'ARCHIVE_INTEGRITY_SCHEDULE', value: '0 0 2 * * *' }
        { name: 'ARCHIVE_INTEGRITY_BUDGET_MINUTES', value: '20' }
        { name: 'ARCHIVE_IMMUTABILITY', value: 'locked' }
        { name: 'PEOPLE_SYNC_SCHEDULE', value: '0 */15 * * * *' }
        { name: 'PEOPLE_EVENTS_TOPIC', value: 'people-events' }
        { name: 'TRAINING_REMINDER_SCHEDULE', value: '0 0 13-20 * * 1-5' }
        { name: 'COLLABORATION_DRIFT_SCHEDULE', value: '0 0 7 * * *' }
        // The Durable task hub (host.json reads it as %DURABLE_TASK_HUB_NAME%): one per app; a second
        // app on the same storage account would need its own.
        { name: 'DURABLE_TASK_HUB_NAME', value: 'spgqhub' }
        { name: 'TRAINING_CYCLES_SCHEDULE', value: '0 0 6 * * *' }
        // Attack Simulation Training connector: off until the app is granted AttackSimulation.Read.All.
        { name: 'TRAINING_ATTACK_SIMULATION', value: 'off' }
        { name: 'TRAINING_ATTACK_SIMULATION_SCHEDULE', value: '0 30 5 * * *' }
        { name: 'RELAY_SIGNING_KEY', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=relay-signing-key)' }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
      ]
    }
  }
}

// Data-plane roles for the app's identity (built-in role definition ids).
var storageRoles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]
resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageRoles: {
  scope: storage
  name: guid(storage.id, identity.id, role)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role) }
}]

resource serviceBusRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: serviceBus
  name: guid(serviceBus.id, identity.id, 'sb-data-owner')
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '090c5cfd-751d-490a-894a-3ce6f1109419') // Azure Service Bus Data Owner
  }
}

resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: cosmos
  name: guid(cosmos.id, identity.id, 'data-contributor')
  properties: {
    principalId: identity.properties.principalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002' // Cosmos DB Built-in Data Contributor
    scope: cosmos.id
  }
}

output functionAppName string = functionApp.name
output storageAccountName string = storage.name
output serviceBusNamespace string = '${serviceBus.name}.servicebus.windows.net'
output cosmosEndpoint string = cosmos.properties.documentEndpoint
