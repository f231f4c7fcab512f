// Deployment of the platform into one resource group in Canada (docs/decisions/0016-deployment.md).
// Deploy with the Azure Developer CLI (`azd up`, see azure.yaml) or:
//   az deployment group create -g <rg-in-canada> -f infra/main.bicep -p infra/params/<env>.bicepparam
// The Entra ID objects (the API's app registration, the agent's identity, Graph permissions) and the
// Exchange Online mailbox scope are made by the scripts in infra/scripts (see infra/README.md): they
// need directory and Exchange rights a resource-group deployment does not have.
// The template tests (test/infra) read this file without the Bicep CLI: keep to plain declarations
// (objects, arrays, strings, loops over vars) so they can.
targetScope = 'resourceGroup'

@description('Environment: test (WORM unlocked, no delete locks) or prod (WORM locked, delete locks).')
@allowed(['test', 'prod'])
param environmentName string

@description('Primary region: Canada Central (Toronto) or Canada East (Québec City).')
@allowed(['canadacentral', 'canadaeast'])
param location string = 'canadacentral'

// 2 to 9 characters: the storage account and Key Vault names (prefix + 2 letters + 13-character
// uniqueString) must stay within 24 characters. Lower-case letters and digits, starting with a
// letter (Key Vault and Service Bus names must start with one); the parameter files hold to it and
// test/infra checks them.
@description('Name prefix for every resource: 2 to 9 lower-case letters or digits, starting with a letter.')
@minLength(2)
@maxLength(9)
param prefix string = 'spgq'

@description('Entra ID tenant id.')
param tenantId string = tenant().tenantId

@description('Application (client) id of the API app registration (infra/scripts/app-registration.sh prints it).')
param apiClientId string

@description('The Entra group whose members\' mailboxes are archived (display name or object id); the Exchange scope script scopes Mail.Read to the same group.')
@minLength(1)
param archiveScopeGroup string

@description('WORM mode of archived mail: unlocked in test environments (can be shortened or removed), locked in production (cannot).')
@allowed(['unlocked', 'locked'])
param archiveImmutability string

@description('Object id of the operators\' Entra group: creates and rotates the relay signing key in Key Vault.')
param operatorsGroupObjectId string

@description('Object id of the on-premises agent\'s service principal (certificate credential; infra/scripts/app-registration.sh prints it). Empty: no agent roles.')
param agentPrincipalId string = ''

@description('Keep SAS (local auth) on Service Bus for an on-prem agent that cannot use a certificate credential.')
param serviceBusLocalAuth bool = false

@description('Service mailbox training reminders are e-mailed from (UPN); in the Exchange scope of Application Mail.Send.')
param trainingSenderMailbox string

@description('Service mailbox project space request notices are e-mailed from (UPN); in the Exchange scope of Application Mail.Send.')
param collaborationSenderMailbox string

@description('Teams deep link to the training tab; empty: the app\'s own page.')
param trainingTabUrl string = ''

@description('Teams deep link to the project space request tab; empty: the app\'s own page.')
param collaborationRequestTabUrl string = ''

@description('Attack Simulation Training connector: on only once AttackSimulation.Read.All is granted.')
@allowed(['off', 'on'])
param trainingAttackSimulation string = 'off'

@description('Who receives the alerts (an IT mailbox or distribution list).')
param alertEmail string

@description('Version label reported by /api/health (the release tag in CI).')
param appVersion string = '0.0.0'

@description('Key id of the relay signing key in use (the agent holds the public key under this id); changed at each rotation.')
param relaySigningKeyId string = 'relay-1'

@description('Public keys the on-prem agent signs its replies with, as kid=base64url key, comma-separated (a public key, not a secret; two during a rotation). infra/README.md says how the agent prints it.')
@minLength(1)
param relayAgentPublicKeys string

@description('Archive lag alert: minutes since the last completed mailbox run.')
param archiveLagMinutes int = 180

var suffix = uniqueString(resourceGroup().id)
var isProd = environmentName == 'prod'
var allowedLocations = ['canadacentral', 'canadaeast']

// Canada East has no availability zones: zone-redundant options (ZRS, GZRS, zone-redundant Cosmos
// DB) exist only in Canada Central. Geo-redundant storage copies to the paired region, which is
// the other Canadian region either way.
var storageSkuByRegion = {
  canadacentral: 'Standard_GZRS'
  canadaeast: 'Standard_GRS'
}
var zoneRedundantByRegion = {
  canadacentral: true
  canadaeast: false
}

// Every name in one place: test/infra computes them for every allowed prefix.
var names = {
  identity: '${prefix}-id-${suffix}'
  logs: '${prefix}-log-${suffix}'
  insights: '${prefix}-appi-${suffix}'
  storage: '${prefix}st${suffix}'
  serviceBus: '${prefix}-sb-${suffix}'
  vault: '${prefix}kv${suffix}'
  cosmos: '${prefix}-cosmos-${suffix}'
  plan: '${prefix}-plan-${suffix}'
  functionApp: '${prefix}-func-${suffix}'
  actionGroup: '${prefix}-ag-${suffix}'
  search: '${prefix}-srch-${suffix}'
}

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  searchIndexDataContributor: '8ebe5a00-799e-43f5-93ac-243d3dce84a7'
  searchServiceContributor: '7ca78c08-252a-4471-8644-bb5ff32d4ba0'
}

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
  name: names.identity
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: names.logs
  location: location
  properties: { retentionInDays: 90, sku: { name: 'PerGB2018' } }
}

// Local auth off: telemetry is accepted only with an Entra token of an identity holding
// Monitoring Metrics Publisher on this component (the role assignment below).
resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: names.insights
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id, DisableLocalAuth: true }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: names.storage
  location: location
  kind: 'StorageV2'
  sku: { name: storageSkuByRegion[location] }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

// Version-level immutability (WORM) for archived mail needs versioning. Soft delete keeps a
// deleted container or blob for 14 days: the restore path of the guide.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: { enabled: true, days: 14 }
    containerDeleteRetentionPolicy: { enabled: true, days: 14 }
  }
}

// Every blob container the app and the agent use. The app's identity could create them
// (createIfNotExists), but the WORM ones need their policy from the start, and the agent's
// container-scoped roles need the containers to exist.
var blobContainers = [
  // Archived mail (content-addressed) and the daily manifests: write-once.
  { name: 'mail-content', worm: true }
  { name: 'archive-manifests', worm: true }
  // In-flight uploads, lease blobs, legal-request exports (deleted after ARCHIVE_EXPORT_RETENTION_DAYS).
  { name: 'mail-staging', worm: false }
  { name: 'archive-locks', worm: false }
  { name: 'archive-exports', worm: false }
  // On-prem relay: the agent's heartbeats (read by the app) and short-lived large documents.
  { name: 'relay-agent', worm: false }
  { name: 'relay-documents', worm: false }
  // Flex Consumption deployment packages.
  { name: 'deployments', worm: false }
]

resource containersBlob 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for c in blobContainers: {
  parent: blobService
  name: c.name
  properties: { immutableStorageWithVersioning: { enabled: c.worm } }
}]

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

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: names.serviceBus
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
  properties: { disableLocalAuth: !serviceBusLocalAuth, minimumTlsVersion: '1.2' }
}

// Lock duration, delivery count and sessions match dev/local-stack/servicebus-config.json (what
// the tests run against) and host.json (locks are renewed up to maxAutoLockRenewalDuration).
// The relay's queues never dead-letter on expiry: an expired request or reply carries personal data
// (a member's record, a document) that must not outlive its purpose in a dead-letter queue
// (docs/decisions/0005-onprem-relay.md); what does reach their dead-letter queues is drained.
var queues = [
  { name: 'archive-mailbox', requiresSession: false, maxDeliveryCount: 5, deadLetterOnExpiry: true }
  { name: 'relay-requests', requiresSession: false, maxDeliveryCount: 5, deadLetterOnExpiry: false }
  { name: 'relay-replies', requiresSession: true, maxDeliveryCount: 10, deadLetterOnExpiry: false }
  { name: 'archive-exports', requiresSession: false, maxDeliveryCount: 5, deadLetterOnExpiry: true }
]

resource serviceBusQueues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [for q in queues: {
  parent: serviceBus
  name: q.name
  properties: {
    requiresSession: q.requiresSession
    maxDeliveryCount: q.maxDeliveryCount
    lockDuration: 'PT1M'
    deadLetteringOnMessageExpiration: q.deadLetterOnExpiry
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
  }
}]

// The relay's two queues by name, for the agent's queue-scoped roles and SAS rules.
resource relayRequestsQueue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = {
  parent: serviceBus
  name: 'relay-requests'
}

resource relayRepliesQueue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = {
  parent: serviceBus
  name: 'relay-replies'
}

// Events about people (arrivals, departures, role changes): each consumer reads its own
// subscription, in order per person (sessions); a resend within 10 minutes is dropped.
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

// Least privilege for a SAS-only agent: listen on requests, send on replies, nothing else. The
// names are the ones onprem-agent/config.sample.json's connection strings carry.
resource agentListenRule 'Microsoft.ServiceBus/namespaces/queues/authorizationRules@2022-10-01-preview' = if (serviceBusLocalAuth) {
  parent: relayRequestsQueue
  name: 'relay-agent-listen'
  properties: { rights: ['Listen'] }
  dependsOn: [serviceBusQueues]
}

resource agentSendRule 'Microsoft.ServiceBus/namespaces/queues/authorizationRules@2022-10-01-preview' = if (serviceBusLocalAuth) {
  parent: relayRepliesQueue
  name: 'relay-agent-send'
  properties: { rights: ['Send'] }
  dependsOn: [serviceBusQueues]
}

// The relay's Ed25519 signing key lives here (secret "relay-signing-key", created by an operator of
// operatorsGroupObjectId: Key Vault Secrets Officer below).
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: names.vault
  location: location
  properties: {
    tenantId: tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: 90
  }
}

// Serverless, one region (serverless accounts are single-region), zone-redundant where the region
// has zones, continuous backup for 30 days: point-in-time restore of the archive's index, which is
// evidence (docs/decisions/0016-deployment.md).
resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: names.cosmos
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    // The residency guard reads this location at start-up.
    locations: [
      { locationName: location, failoverPriority: 0, isZoneRedundant: zoneRedundantByRegion[location] }
    ]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    capabilities: [{ name: 'EnableServerless' }]
    backupPolicy: { type: 'Continuous', continuousModeProperties: { tier: 'Continuous30Days' } }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: cosmos
  name: 'spgq'
  properties: { resource: { id: 'spgq' } }
}

// The app's containers are declared here, not left to the app: with Entra ID (local auth off) the
// data-plane role can read and write items but cannot create databases or containers. The app's
// createIfNotExists then only reads them. test/infra checks this list against every container
// the code ensures, with its partition key.
var cosmosContainers = [
  { name: 'archive-messages', partitionKey: '/pk', indexed: true }
  { name: 'archive-mailboxes', partitionKey: '/mailboxId', indexed: true }
  // Point reads only (entry id -> partition key): no index, so each write costs the fewest RUs.
  { name: 'archive-locators', partitionKey: '/mailboxId', indexed: false }
  { name: 'archive-subscriptions', partitionKey: '/mailboxId', indexed: true }
  { name: 'archive-records', partitionKey: '/pk', indexed: true }
  { name: 'archive-audit', partitionKey: '/pk', indexed: true }
  { name: 'people', partitionKey: '/id', indexed: true }
  { name: 'people-history', partitionKey: '/personId', indexed: true }
  { name: 'training-trainees', partitionKey: '/personId', indexed: true }
  { name: 'training-assignments', partitionKey: '/personId', indexed: true }
  { name: 'training-audit', partitionKey: '/pk', indexed: true }
  { name: 'training-reminders', partitionKey: '/id', indexed: true }
  // Connectors' watermarks: point reads only.
  { name: 'training-connectors', partitionKey: '/id', indexed: false }
  { name: 'collaboration-spaces', partitionKey: '/key', indexed: true }
  { name: 'collaboration-roster', partitionKey: '/personId', indexed: true }
  { name: 'collaboration-requests', partitionKey: '/id', indexed: true }
  { name: 'collaboration-audit', partitionKey: '/pk', indexed: true }
  { name: 'rollout-runs', partitionKey: '/id', indexed: true }
  { name: 'rollout-audit', partitionKey: '/pk', indexed: true }
  { name: 'relay-audit', partitionKey: '/pk', indexed: true }
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

// The archive's full-text index (docs/decisions/0020): derived data, rebuilt from the archive, in
// the archive's region. Basic: one partition (15 GB, up to 1 million documents per index before a
// higher tier is needed), keys disabled so only Entra ID (the app's identity) reaches it.
resource search 'Microsoft.Search/searchServices@2023-11-01' = {
  name: names.search
  location: location
  sku: { name: 'basic' }
  properties: {
    replicaCount: 1
    partitionCount: 1
    hostingMode: 'default'
    disableLocalAuth: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: names.plan
  location: location
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

var appHostName = '${names.functionApp}.azurewebsites.net'
var trainingTab = empty(trainingTabUrl) ? 'https://${appHostName}/api/web/training.html' : trainingTabUrl
var collaborationTab = empty(collaborationRequestTabUrl) ? 'https://${appHostName}/api/web/collaboration.html' : collaborationRequestTabUrl

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: names.functionApp
  location: location
  kind: 'functionapp,linux'
  // The deployment package container must exist before the app points at it.
  dependsOn: [containersBlob]
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
      // Capped so the archive worker's instances do not outnumber the Graph slots they wait on
      // (the code half of docs/decisions/0017 sets the per-instance cap).
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      // Every setting shared/platform/settings.ts reads (test/infra checks the list), with the
      // production value even where it equals the code's default, so the deployed app never relies
      // on a default meant for the local stack.
      appSettings: [
        { name: 'LOCAL_MODE', value: 'false' }
        { name: 'DEPLOYMENT_REGION', value: location }
        { name: 'APP_VERSION', value: appVersion }
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
        { name: 'GRAPH_BASE_URL', value: 'https://graph.microsoft.com/v1.0' }
        { name: 'AUTH_TENANT_ID', value: tenantId }
        { name: 'AUTH_CLIENT_ID', value: apiClientId }
        { name: 'AUTH_AUTHORITY', value: 'https://login.microsoftonline.com' }
        // The Teams clients pre-authorised in infra/entra/api-app.json: the only apps whose tokens the API takes.
        { name: 'AUTH_ALLOWED_CLIENT_APPS', value: '1fec8e78-bce4-4aaf-ab1b-5451cc387264,5e3ce6c0-2b1f-4285-8d4b-75ee78787346' }
        { name: 'HTTP_MAX_BODY_BYTES', value: '1048576' }
        // Timer schedules and queue names are read by the host as %NAME%: they must exist as app settings.
        { name: 'ARCHIVE_QUEUE_NAME', value: 'archive-mailbox' }
        { name: 'ARCHIVE_EXPORT_QUEUE_NAME', value: 'archive-exports' }
        { name: 'ARCHIVE_SCHEDULE', value: '0 */15 * * * *' }
        { name: 'ARCHIVE_RUN_ON_STARTUP', value: 'false' }
        { name: 'ARCHIVE_SCOPE_GROUP', value: archiveScopeGroup }
        { name: 'ARCHIVE_SHARED_MAILBOXES', value: '' }
        { name: 'ARCHIVE_EXCLUDED_FOLDERS', value: 'junkemail' }
        { name: 'ARCHIVE_RUN_SECONDS', value: '240' }
        { name: 'ARCHIVE_PAGE_SIZE', value: '50' }
        { name: 'ARCHIVE_MESSAGE_CONCURRENCY', value: '4' }
        { name: 'ARCHIVE_GRAPH_CONCURRENCY', value: '4' }
        { name: 'ARCHIVE_GRAPH_WINDOW_REQUESTS', value: '10000' }
        { name: 'ARCHIVE_GRAPH_WINDOW_SECONDS', value: '600' }
        { name: 'ARCHIVE_GRAPH_SLOTS', value: 'leased' }
        // Mailbox work released in waves: caps the archive worker's scale-out (docs/decisions/0017).
        { name: 'ARCHIVE_WAVE_SIZE', value: '32' }
        { name: 'ARCHIVE_WAVE_SPREAD_SECONDS', value: '600' }
        { name: 'ARCHIVE_IMMUTABILITY', value: archiveImmutability }
        { name: 'ARCHIVE_LOCK_SECONDS', value: '60' }
        { name: 'ARCHIVE_SWEEP_SCHEDULE', value: '0 30 3 * * *' }
        // Graph change notifications (docs/decisions/0018): the clientState HMAC key from Key Vault
        // (secret "archive-notification-key", created by an operator like the relay's key; without
        // it the archive polls every mailbox); notifications reach APP_PUBLIC_URL/api/archive/notifications.
        { name: 'ARCHIVE_NOTIFICATION_KEY', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=archive-notification-key)' }
        { name: 'ARCHIVE_NOTIFICATION_WINDOW_SECONDS', value: '10' }
        { name: 'ARCHIVE_SUBSCRIPTION_MINUTES', value: '10000' }
        { name: 'ARCHIVE_SUBSCRIPTIONS_SCHEDULE', value: '0 */5 * * * *' }
        { name: 'ARCHIVE_LISTENING_SWEEP_MINUTES', value: '1440' }
        { name: 'ARCHIVE_ORPHAN_GRACE_SECONDS', value: '3600' }
        { name: 'ARCHIVE_RETENTION_RULES_FILE', value: 'config/retention-rules.json' }
        { name: 'ARCHIVE_DISPOSITION_SCHEDULE', value: '0 0 4 * * *' }
        { name: 'ARCHIVE_INTEGRITY_SCHEDULE', value: '0 0 2 * * *' }
        { name: 'ARCHIVE_INTEGRITY_BUDGET_MINUTES', value: '20' }
        { name: 'ARCHIVE_EXPORT_LINK_MINUTES', value: '15' }
        { name: 'ARCHIVE_EXPORT_RETENTION_DAYS', value: '30' }
        { name: 'AZURE_SEARCH_ENDPOINT', value: 'https://${search.name}.search.windows.net' }
        { name: 'ARCHIVE_SEARCH_INDEX', value: 'archive-messages' }
        { name: 'ARCHIVE_SEARCH_SCHEDULE', value: '*/20 * * * * *' }
        // Text extraction for search (docs/decisions/0021): per-attachment limits; one worker thread of
        // 512 MB heap fits beside the host in a 2048 MB Flex instance.
        { name: 'ARCHIVE_EXTRACT_MAX_ATTACHMENT_MB', value: '25' }
        { name: 'ARCHIVE_EXTRACT_MAX_CHARS', value: '1000000' }
        { name: 'ARCHIVE_EXTRACT_TIMEOUT_SECONDS', value: '20' }
        { name: 'ARCHIVE_EXTRACT_WORKERS', value: '1' }
        { name: 'ARCHIVE_EXTRACT_MEMORY_MB', value: '512' }
        { name: 'RELAY_REQUESTS_QUEUE', value: 'relay-requests' }
        { name: 'RELAY_REPLIES_QUEUE', value: 'relay-replies' }
        { name: 'RELAY_SIGNING_KEY', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=relay-signing-key)' }
        { name: 'RELAY_SIGNING_KEY_ID', value: relaySigningKeyId }
        { name: 'RELAY_WAIT_MS', value: '8000' }
        { name: 'RELAY_REQUEST_TTL_SECONDS', value: '120' }
        // The container the agent writes its heartbeat to (storage.accountUrl in its config is this
        // account): the app reads it here.
        { name: 'RELAY_HEARTBEAT_CONTAINER', value: 'relay-agent' }
        { name: 'RELAY_HEARTBEAT_MAX_AGE_SECONDS', value: '60' }
        { name: 'RELAY_AGENT_PUBLIC_KEYS', value: relayAgentPublicKeys }
        { name: 'RELAY_DOCUMENTS_CONTAINER', value: 'relay-documents' }
        { name: 'RELAY_DEADLETTER_SCHEDULE', value: '0 */10 * * * *' }
        // Location and statusUrl answers are built from it, never from a request's Host header.
        { name: 'APP_PUBLIC_URL', value: 'https://${appHostName}' }
        { name: 'PEOPLE_CATALOGUE_FILE', value: 'config/people-catalogue.json' }
        { name: 'PEOPLE_SYNC_SCHEDULE', value: '0 */15 * * * *' }
        { name: 'PEOPLE_SYNC_ON_STARTUP', value: 'false' }
        { name: 'PEOPLE_EVENTS_TOPIC', value: 'people-events' }
        { name: 'PEOPLE_GRAPH_CONCURRENCY', value: '2' }
        { name: 'TRAINING_CATALOGUE_FILE', value: 'config/training-catalogue.json' }
        { name: 'TRAINING_CYCLES_SCHEDULE', value: '0 0 6 * * *' }
        // Attack Simulation Training connector: off until the app is granted AttackSimulation.Read.All.
        { name: 'TRAINING_ATTACK_SIMULATION', value: trainingAttackSimulation }
        { name: 'TRAINING_ATTACK_SIMULATION_SCHEDULE', value: '0 30 5 * * *' }
        { name: 'TRAINING_HOLIDAYS_FILE', value: 'config/quebec-holidays.json' }
        { name: 'TRAINING_REMINDER_SCHEDULE', value: '0 0 13-20 * * 1-5' }
        { name: 'TRAINING_SENDER_MAILBOX', value: trainingSenderMailbox }
        { name: 'TRAINING_NOTIFY_RATE_PER_SECOND', value: '5' }
        { name: 'TRAINING_TAB_URL', value: trainingTab }
        { name: 'COLLABORATION_REQUEST_TIME_SCALE', value: '1' }
        { name: 'COLLABORATION_REQUEST_TAB_URL', value: collaborationTab }
        { name: 'COLLABORATION_REQUEST_SENDER_MAILBOX', value: collaborationSenderMailbox }
        { name: 'COLLABORATION_TEMPLATE_FILE', value: 'config/collaboration-template.json' }
        { name: 'COLLABORATION_SHAREPOINT_RU_PER_MINUTE', value: '1200' }
        { name: 'COLLABORATION_SHAREPOINT_WINDOW_MS', value: '60000' }
        { name: 'COLLABORATION_PARALLELISM', value: '4' }
        { name: 'COLLABORATION_MAX_REMOVAL_SHARE', value: '0.2' }
        { name: 'COLLABORATION_TEAM_LAG_MINUTES', value: '15' }
        { name: 'COLLABORATION_DRIFT_SCHEDULE', value: '0 0 7 * * *' }
        { name: 'COLLABORATION_TEAM_POLL_MS', value: '30000' }
        { name: 'COLLABORATION_STEP_BUDGET_SECONDS', value: '120' }
        { name: 'ROLLOUT_CONFIG_FILE', value: 'config/rollout.json' }
        { name: 'ROLLOUT_PARALLELISM', value: '10' }
        { name: 'ROLLOUT_TIME_SCALE', value: '1' }
        // The Durable task hub (host.json reads it as %DURABLE_TASK_HUB_NAME%): one per app; a second
        // app on the same storage account would need its own.
        { name: 'DURABLE_TASK_HUB_NAME', value: 'spgqhub' }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
      ]
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Roles. test/infra/templates.test.ts holds the expected list, each with why; no broader role.

// The app's identity. Blob Data Owner, not Contributor: it sets version-level immutability
// policies and legal holds on archived mail. Queues and tables: the Durable Functions task hub and
// the relay's pending requests.
var appStorageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]
resource appStorageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in appStorageRoles: {
  scope: storage
  name: guid(storage.id, identity.id, role)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role) }
}]

// Data Owner: the Functions Service Bus trigger reads entity runtime properties to scale, which
// Receiver/Sender do not allow (Microsoft's identity-based connection table lists Data Owner).
resource appServiceBusRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: serviceBus
  name: guid(serviceBus.id, identity.id, roles.serviceBusDataOwner)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner) }
}

// Reads the relay signing key through the Key Vault reference; cannot write it.
resource appVaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser) }
}

// Application Insights with local auth off rejects telemetry from an identity without this role.
resource appInsightsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: insights
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher) }
}

// Documents (upload, delete, search) and the index definition (the app creates its index on first use).
var appSearchRoles = [
  roles.searchIndexDataContributor
  roles.searchServiceContributor
]
resource appSearchRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in appSearchRoles: {
  scope: search
  name: guid(search.id, identity.id, role)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role) }
}]

resource appCosmosRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: cosmos
  name: guid(cosmos.id, identity.id, 'data-contributor')
  properties: {
    principalId: identity.properties.principalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002' // Cosmos DB Built-in Data Contributor
    scope: cosmos.id
  }
}

// Operators create and rotate the relay signing key (secrets only: not keys, not access policy).
resource operatorsVaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, operatorsGroupObjectId, roles.keyVaultSecretsOfficer)
  properties: { principalId: operatorsGroupObjectId, principalType: 'Group', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer) }
}

// The on-prem agent (certificate credential): exactly Listen on requests and Send on replies, its
// two containers, and user delegation keys for the read links it mints (no account key on site).
resource agentRequestsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(agentPrincipalId)) {
  scope: relayRequestsQueue
  name: guid(serviceBus.id, 'relay-requests', agentPrincipalId, roles.serviceBusDataReceiver)
  properties: { principalId: agentPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver) }
  dependsOn: [serviceBusQueues]
}

resource agentRepliesRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(agentPrincipalId)) {
  scope: relayRepliesQueue
  name: guid(serviceBus.id, 'relay-replies', agentPrincipalId, roles.serviceBusDataSender)
  properties: { principalId: agentPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender) }
  dependsOn: [serviceBusQueues]
}

resource relayAgentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: 'relay-agent'
}

resource relayDocumentsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: 'relay-documents'
}

resource agentHeartbeatRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(agentPrincipalId)) {
  scope: relayAgentContainer
  name: guid(storage.id, 'relay-agent', agentPrincipalId, roles.storageBlobDataContributor)
  properties: { principalId: agentPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor) }
  dependsOn: [containersBlob]
}

resource agentDocumentsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(agentPrincipalId)) {
  scope: relayDocumentsContainer
  name: guid(storage.id, 'relay-documents', agentPrincipalId, roles.storageBlobDataContributor)
  properties: { principalId: agentPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor) }
  dependsOn: [containersBlob]
}

resource agentDelegatorRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(agentPrincipalId)) {
  scope: storage
  name: guid(storage.id, agentPrincipalId, roles.storageBlobDelegator)
  properties: { principalId: agentPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDelegator) }
}

// ---------------------------------------------------------------------------------------------
// Operations: diagnostic settings to the workspace (in Canada, like everything here), alerts,
// delete locks in production.

// Writes and deletes (not reads: the archive is read far more than written); the heartbeat alert
// below reads the agent's writes from here.
resource storageBlobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: blobService
  name: 'to-log-analytics'
  properties: {
    workspaceId: logs.id
    logs: [{ category: 'StorageWrite', enabled: true }, { category: 'StorageDelete', enabled: true }]
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource serviceBusDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: serviceBus
  name: 'to-log-analytics'
  properties: {
    workspaceId: logs.id
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

resource cosmosDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: cosmos
  name: 'to-log-analytics'
  properties: {
    workspaceId: logs.id
    logAnalyticsDestinationType: 'Dedicated'
    logs: [{ categoryGroup: 'audit', enabled: true }]
    metrics: [{ category: 'Requests', enabled: true }]
  }
}

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: vault
  name: 'to-log-analytics'
  properties: {
    workspaceId: logs.id
    logs: [{ categoryGroup: 'audit', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

resource functionAppDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: functionApp
  name: 'to-log-analytics'
  properties: {
    workspaceId: logs.id
    logs: [{ category: 'FunctionAppLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: names.actionGroup
  location: 'global'
  properties: {
    groupShortName: 'spgq-ops'
    enabled: true
    emailReceivers: [{ name: 'it', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

// Function failures: any failed execution in 15 minutes.
resource alertFunctionFailures 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${prefix}-alert-function-failures'
  location: location
  properties: {
    displayName: 'Échecs de fonctions / Function failures'
    severity: 2
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | where success == false | summarize failures = count()'
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroup.id] }
  }
}

// Dead-letter queue depth: any message dead-lettered on any queue or subscription.
resource alertDeadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${prefix}-alert-dead-letters'
  location: 'global'
  properties: {
    description: 'Messages en file de lettres mortes / Dead-lettered messages'
    severity: 2
    enabled: true
    scopes: [serviceBus.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: 'dead-letters'
          criterionType: 'StaticThresholdCriterion'
          metricName: 'DeadletteredMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          dimensions: [{ name: 'EntityName', operator: 'Include', values: ['*'] }]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

// Integrity mismatch: the daily verification logs archive.integrity.mismatch (ids and hashes only).
resource alertIntegrity 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${prefix}-alert-integrity-mismatch'
  location: location
  properties: {
    displayName: 'Écart d\'intégrité de l\'archive / Archive integrity mismatch'
    severity: 1
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: 'traces | where message has \'archive.integrity.mismatch\' | summarize mismatches = count()'
          timeAggregation: 'Total'
          metricMeasureColumn: 'mismatches'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroup.id] }
  }
}

// Relay reply refused: a reply that failed its signature, request, requester, schema or link
// check (logged as relay.reply_refused with the request id and reason only) means a forged or
// broken agent: act at once.
resource alertRelayReplyRefused 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${prefix}-alert-relay-reply-refused'
  location: location
  properties: {
    displayName: 'Réponse du relais refusée / Relay reply refused'
    severity: 1
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'traces | where message has \'relay.reply_refused\' | summarize refused = count()'
          timeAggregation: 'Total'
          metricMeasureColumn: 'refused'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroup.id] }
  }
}

// Relay dead letters drained: the drain deletes them (personal data), so the dead-letter depth
// metric never shows them; its log line (relay.deadletters_drained, ids and reasons only) does.
resource alertRelayDeadLetters 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${prefix}-alert-relay-dead-letters'
  location: location
  properties: {
    displayName: 'Messages du relais en lettres mortes / Relay messages dead-lettered'
    severity: 2
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: 'traces | where message has \'relay.deadletters_drained\' | summarize drained = count()'
          timeAggregation: 'Total'
          metricMeasureColumn: 'drained'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroup.id] }
  }
}

// Agent heartbeat stale: the agent rewrites relay-agent/heartbeats/<id>.json every 15 s; no
// write on that container for 5 minutes means no agent is running.
resource alertHeartbeat 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${prefix}-alert-agent-heartbeat'
  location: location
  properties: {
    displayName: 'Agent sur site silencieux / On-prem agent heartbeat stale'
    severity: 2
    enabled: true
    scopes: [logs.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'StorageBlobLogs | where OperationName == \'PutBlob\' and ObjectKey has \'/relay-agent/heartbeats/\' | summarize beats = count()'
          timeAggregation: 'Total'
          metricMeasureColumn: 'beats'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroup.id] }
  }
}

// Archive lag: no completed mailbox run (archive.run.end) for archiveLagMinutes.
resource alertArchiveLag 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${prefix}-alert-archive-lag'
  location: location
  properties: {
    displayName: 'Retard de l\'archivage / Archive lag'
    severity: 2
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT${archiveLagMinutes}M'
    criteria: {
      allOf: [
        {
          query: 'traces | where message has \'archive.run.end\' | summarize runs = count()'
          timeAggregation: 'Total'
          metricMeasureColumn: 'runs'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroup.id] }
  }
}

// Production data cannot be deleted by mistake (a lock must be removed first, which is logged).
resource storageLock 'Microsoft.Authorization/locks@2020-05-01' = if (isProd) {
  scope: storage
  name: 'no-delete-archive-storage'
  properties: { level: 'CanNotDelete', notes: 'Archive de courriels (preuve) / Email archive (evidence)' }
}

resource cosmosLock 'Microsoft.Authorization/locks@2020-05-01' = if (isProd) {
  scope: cosmos
  name: 'no-delete-archive-index'
  properties: { level: 'CanNotDelete', notes: 'Index de l\'archive et registres / Archive index and records' }
}

resource vaultLock 'Microsoft.Authorization/locks@2020-05-01' = if (isProd) {
  scope: vault
  name: 'no-delete-signing-key'
  properties: { level: 'CanNotDelete', notes: 'Clé de signature du relais / Relay signing key' }
}

resource logsLock 'Microsoft.Authorization/locks@2020-05-01' = if (isProd) {
  scope: logs
  name: 'no-delete-logs'
  properties: { level: 'CanNotDelete', notes: 'Journaux d\'exploitation / Operations logs' }
}

// Upper-case: azd keeps each output in its environment under this name (hooks and scripts read them).
output AZURE_LOCATION string = location
output FUNCTION_APP_NAME string = functionApp.name
output FUNCTION_APP_HOST_NAME string = functionApp.properties.defaultHostName
output STORAGE_ACCOUNT_NAME string = storage.name
output STORAGE_BLOB_ENDPOINT string = storage.properties.primaryEndpoints.blob
output SERVICE_BUS_NAMESPACE string = '${serviceBus.name}.servicebus.windows.net'
output COSMOS_ENDPOINT string = cosmos.properties.documentEndpoint
output COSMOS_ACCOUNT_NAME string = cosmos.name
output KEY_VAULT_NAME string = vault.name
output APP_IDENTITY_PRINCIPAL_ID string = identity.properties.principalId
output APP_IDENTITY_CLIENT_ID string = identity.properties.clientId
