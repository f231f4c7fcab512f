// Production: WORM locked (archived mail cannot be shortened or deleted before its retention,
// even by an administrator), delete locks on the data resources.
// Values that identify a tenant come from the environment (CI variables or `azd env set`), never
// from this file: AUTH_CLIENT_ID, AGENT_PRINCIPAL_ID, OPERATORS_GROUP_OBJECT_ID, ALERT_EMAIL,
// ARCHIVE_SCOPE_GROUP, TRAINING_SENDER_MAILBOX, COLLABORATION_REQUEST_SENDER_MAILBOX, RELAY_AGENT_PUBLIC_KEYS.
using '../main.bicep'

param environmentName = 'prod'
param location = 'canadacentral'
param prefix = 'spgq'
param archiveImmutability = 'locked'
param apiClientId = readEnvironmentVariable('AUTH_CLIENT_ID')
param agentPrincipalId = readEnvironmentVariable('AGENT_PRINCIPAL_ID', '')
param operatorsGroupObjectId = readEnvironmentVariable('OPERATORS_GROUP_OBJECT_ID')
param archiveScopeGroup = readEnvironmentVariable('ARCHIVE_SCOPE_GROUP', 'Archivage-Courriels')
param trainingSenderMailbox = readEnvironmentVariable('TRAINING_SENDER_MAILBOX')
param collaborationSenderMailbox = readEnvironmentVariable('COLLABORATION_REQUEST_SENDER_MAILBOX')
param alertEmail = readEnvironmentVariable('ALERT_EMAIL')
param appVersion = readEnvironmentVariable('APP_VERSION', '0.0.0')
param relaySigningKeyId = readEnvironmentVariable('RELAY_SIGNING_KEY_ID', 'relay-1')
param relayAgentPublicKeys = readEnvironmentVariable('RELAY_AGENT_PUBLIC_KEYS')
