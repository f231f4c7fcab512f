// For the Azure Developer CLI (`azd up`): the environment is chosen by `azd env set
// SPGQ_ENVIRONMENT test|prod`; the per-environment choices (WORM mode, prefix) follow it, with the
// same values as infra/params/<env>.bicepparam, which the GitHub workflow and `az` use.
using 'main.bicep'

param environmentName = readEnvironmentVariable('SPGQ_ENVIRONMENT', 'test')
param location = readEnvironmentVariable('AZURE_LOCATION', 'canadacentral')
param prefix = readEnvironmentVariable('SPGQ_PREFIX', 'spgqt')
param archiveImmutability = readEnvironmentVariable('SPGQ_ENVIRONMENT', 'test') == 'prod' ? 'locked' : 'unlocked'
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
